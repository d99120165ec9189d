package io.shardline.engine.lane;

import static io.shardline.engine.lane.ClientLane.State.BACKOFF;
import static io.shardline.engine.lane.ClientLane.State.CONNECTING;
import static io.shardline.engine.lane.ClientLane.State.FAILED;
import static io.shardline.engine.lane.ClientLane.State.NEW;
import static io.shardline.engine.lane.ClientLane.State.READY;
import static io.shardline.engine.lane.ClientLane.State.STOPPED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.engine.lane.ClientLane.State;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link ClientLane.State}: the transition table of the class comment, move by move. */
class ClientLaneStateTest {
  /** The table, written out once more by hand: the specification the enum must match. */
  static final Map<State, Set<State>> LEGAL = new EnumMap<>(State.class);

  static {
    LEGAL.put(NEW, EnumSet.of(CONNECTING, STOPPED));
    LEGAL.put(CONNECTING, EnumSet.of(READY, BACKOFF, FAILED, STOPPED));
    LEGAL.put(READY, EnumSet.of(BACKOFF, CONNECTING, FAILED, STOPPED));
    LEGAL.put(BACKOFF, EnumSet.of(CONNECTING, STOPPED));
    LEGAL.put(FAILED, EnumSet.of(STOPPED));
    LEGAL.put(STOPPED, EnumSet.noneOf(State.class));
  }

  @Test
  void everyLegalMoveIsAllowed() {
    int moves = 0;
    for (State from : State.values()) {
      for (State to : LEGAL.get(from)) {
        assertTrue(from.canMoveTo(to), from + " -> " + to);
        assertEquals(to, State.checkedMove(from, to, "test"));
        moves++;
      }
    }
    assertEquals(13, moves, "the class comment lists 13 moves");
  }

  @Test
  void everyOtherMoveIsRefusedNamingBothEnds() {
    int refused = 0;
    for (State from : State.values()) {
      for (State to : State.values()) {
        if (LEGAL.get(from).contains(to)) {
          continue;
        }
        assertFalse(from.canMoveTo(to), from + " -> " + to);
        IllegalStateException e = assertThrows(IllegalStateException.class,
            () -> State.checkedMove(from, to, "because"));
        assertTrue(e.getMessage().contains(from + " -> " + to) && e.getMessage().contains("because"), e.getMessage());
        refused++;
      }
    }
    assertEquals(36 - 13, refused);
  }

  @Test
  void noStateMovesToItselfAndStoppedIsTerminal() {
    for (State s : State.values()) {
      assertFalse(s.canMoveTo(s), s + " -> " + s);
      assertFalse(STOPPED.canMoveTo(s), "STOPPED -> " + s);
    }
    for (State s : EnumSet.complementOf(EnumSet.of(STOPPED))) {
      assertTrue(s.canMoveTo(STOPPED), "every live state can be stopped: " + s);
    }
  }

  @Test
  void onlyAConnectionAttemptLeadsToReady() {
    for (State s : State.values()) {
      assertEquals(s == CONNECTING, s.canMoveTo(READY), s + " -> READY");
    }
  }
}
