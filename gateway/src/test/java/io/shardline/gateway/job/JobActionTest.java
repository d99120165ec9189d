package io.shardline.gateway.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which actions each job state accepts: the table both the commands and the API's {@code actions} read. */
class JobActionTest {
  @Test
  void eachStateAcceptsItsActions() {
    Map<JobState, Set<JobAction>> expected = Map.of(
        JobState.QUEUED, EnumSet.of(JobAction.PAUSE, JobAction.CANCEL, JobAction.RATE),
        JobState.RUNNING, EnumSet.of(JobAction.PAUSE, JobAction.CANCEL, JobAction.RATE),
        JobState.PAUSED, EnumSet.of(JobAction.RESUME, JobAction.CANCEL, JobAction.RATE),
        JobState.FAILED, EnumSet.of(JobAction.RESUME, JobAction.CANCEL),
        JobState.SUCCEEDED, EnumSet.noneOf(JobAction.class),
        JobState.CANCELLED, EnumSet.noneOf(JobAction.class));
    for (JobState s : JobState.values()) {
      assertEquals(expected.get(s), s.actions(), s.label());
      for (JobAction a : JobAction.values()) {
        assertEquals(expected.get(s).contains(a), a.allowedFrom(s), a.label() + " from " + s.label());
      }
    }
  }

  @Test
  void terminalStatesAcceptNothingAndEveryOtherStateCanBeCancelled() {
    for (JobState s : JobState.values()) {
      assertEquals(s.terminal(), s.actions().isEmpty(), s.label());
      assertEquals(!s.terminal(), s.actions().contains(JobAction.CANCEL), s.label());
      assertEquals(!s.ended(), s.actions().contains(JobAction.RATE), "a rate changes until the job is over: " + s.label());
    }
  }

  @Test
  void labelsAreTheApiNames() {
    assertEquals("pause resume cancel rate", String.join(" ", java.util.Arrays.stream(JobAction.values())
        .map(JobAction::label).toList()));
  }
}
