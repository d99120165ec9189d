package io.shardline.gateway.job;

import io.shardline.gateway.job.JobEvent.AttemptEnded;
import io.shardline.gateway.job.JobEvent.Cancelled;
import io.shardline.gateway.job.JobEvent.Failed;
import io.shardline.gateway.job.JobEvent.Interrupted;
import io.shardline.gateway.job.JobEvent.Paused;
import io.shardline.gateway.job.JobEvent.RateChanged;
import io.shardline.gateway.job.JobEvent.Resumed;
import io.shardline.gateway.job.JobEvent.Started;
import io.shardline.gateway.job.JobEvent.Submitted;
import io.shardline.gateway.job.JobEvent.Succeeded;
import io.shardline.gateway.journal.JournalCorruptException;
import io.shardline.gateway.journal.JournalRecord;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The journal edge: {@link JobEvent}s to and from the JSON {@code data} of a
 * {@link JournalRecord}, the one place that reads or writes event fields by name. The format is
 * the journal's since its first version (the same type names, field names and field order), so
 * existing journals and snapshots replay, and an event encodes to the bytes it always did.
 * Decoding refuses an unknown type, a missing field or a field of the wrong kind with a
 * {@link JournalCorruptException} naming the event's sequence number: the gateway refuses to guess.
 * Encoding is a {@link JobEvent.Visitor} (the compiler checks it covers every event); decoding
 * switches on the type name, and {@code JobEventJsonTest} checks that every permitted record
 * comes back from it.
 *
 * <p>Data fields: {@code submitted}: {@code spec}, {@code requestHash}, {@code idempotencyKey}
 * (only when there was one); {@code started}: {@code attempt}; {@code paused}, {@code resumed},
 * {@code cancelled}: {@code from} (a state); {@code rate-changed}: {@code rateLimit}, {@code from};
 * {@code attempt-ended}: the statistics (when there were any) and {@code reason} (a state);
 * {@code succeeded}: the statistics and {@code digests}; {@code failed}: the statistics (when
 * there were any) and {@code error}; {@code interrupted}: {@code reason}. {@code attempt-ended},
 * {@code succeeded} and {@code failed} of a sync job end with {@code sync}, the sync log
 * (absent for other jobs and in every event from before sync jobs). A {@code submitted} spec has
 * {@code mode} (and for a sync {@code direction}, {@code delete}, {@code dryRun}) unless it is a
 * pull: specs from before modes are pulls. The statistics are
 * {@code files, totalBytes, bytes, wireBytes, seconds, chunks, retriedChunks, resumedChunks, reusedBytes (optional),
 * reconnects, verified}.
 */
public final class JobEventJson {
  private JobEventJson() {}

  /** The journal's form of a record. */
  public static JournalRecord toJournal(JobRecord r) {
    return new JournalRecord(r.seq(), r.time(), r.jobId(), r.event().type(), r.actor(), data(r.event()));
  }

  /** A journal record as a typed record; throws {@link JournalCorruptException} if it is not a valid event. */
  public static JobRecord fromJournal(JournalRecord r) {
    return new JobRecord(r.seq(), r.time(), r.jobId(), r.actor(), decode(r.seq(), r.type(), r.data()));
  }

  /** The event's {@code data} object, as the journal holds it (and the API's audit log shows it). */
  public static JsonObject data(JobEvent e) {
    return e.accept(ENCODER);
  }

  /**
   * The event of type {@code type} with fields {@code data}, read from the journal (or a snapshot)
   * at event {@code seq}, which error messages name.
   */
  public static JobEvent decode(long seq, String type, JsonObject data) {
    Reader d = new Reader(seq, type, data == null ? new JsonObject() : data);
    try {
      switch (type == null ? "" : type) {
        case Submitted.TYPE:
          return new Submitted(JobSpec.fromJson(d.object("spec")), d.optionalString("idempotencyKey"),
              d.string("requestHash"));
        case Started.TYPE:
          return new Started(d.integer("attempt"));
        case Paused.TYPE:
          return new Paused(d.state("from"));
        case Resumed.TYPE:
          return new Resumed(d.state("from"));
        case Cancelled.TYPE:
          return new Cancelled(d.state("from"));
        case RateChanged.TYPE:
          return new RateChanged(d.number("rateLimit"), d.number("from"));
        case AttemptEnded.TYPE:
          return new AttemptEnded(d.optionalStats(), d.state("reason"), d.optionalObject("sync"));
        case Succeeded.TYPE:
          return new Succeeded(d.stats(), d.digests(), d.optionalObject("sync"));
        case Failed.TYPE:
          return new Failed(d.optionalStats(), d.string("error"), d.optionalObject("sync"));
        case Interrupted.TYPE:
          return new Interrupted(d.string("reason"));
        default:
          throw new JournalCorruptException("journal event " + seq + " has an unknown type '" + type + "'");
      }
    } catch (JournalCorruptException e) {
      throw e;
    } catch (RuntimeException e) { // a spec or state that does not parse, a field of the wrong kind
      throw d.invalid(e.getMessage() == null ? e.toString() : e.getMessage());
    }
  }

  private static final JobEvent.Visitor<JsonObject> ENCODER = new JobEvent.Visitor<>() {
    @Override
    public JsonObject submitted(Submitted e) {
      JsonObject d = new JsonObject().put("spec", e.spec().toJson()).put("requestHash", e.requestHash());
      return e.idempotencyKey() == null ? d : d.put("idempotencyKey", e.idempotencyKey());
    }

    @Override
    public JsonObject started(Started e) {
      return new JsonObject().put("attempt", e.attempt());
    }

    @Override
    public JsonObject paused(Paused e) {
      return new JsonObject().put("from", e.from().label());
    }

    @Override
    public JsonObject resumed(Resumed e) {
      return new JsonObject().put("from", e.from().label());
    }

    @Override
    public JsonObject cancelled(Cancelled e) {
      return new JsonObject().put("from", e.from().label());
    }

    @Override
    public JsonObject rateChanged(RateChanged e) {
      return new JsonObject().put("rateLimit", e.rateLimit()).put("from", e.from());
    }

    @Override
    public JsonObject attemptEnded(AttemptEnded e) {
      return sync(stats(e.stats()).put("reason", e.reason().label()), e.sync());
    }

    @Override
    public JsonObject succeeded(Succeeded e) {
      JsonObject digests = new JsonObject();
      e.digests().forEach(digests::put);
      return sync(stats(e.stats()).put("digests", digests), e.sync());
    }

    @Override
    public JsonObject failed(Failed e) {
      return sync(stats(e.stats()).put("error", e.error()), e.sync());
    }

    @Override
    public JsonObject interrupted(Interrupted e) {
      return new JsonObject().put("reason", e.reason());
    }
  };

  /** A sync job's log, last; absent for other jobs, so their events encode as they always did. */
  private static JsonObject sync(JsonObject data, JsonObject sync) {
    return sync == null ? data : data.put("sync", sync);
  }

  /** The statistics' fields, in the journal's order; none when there are none. */
  private static JsonObject stats(AttemptStats s) {
    JsonObject j = new JsonObject();
    if (s != null) {
      j.put("files", s.files()).put("totalBytes", s.totalBytes()).put("bytes", s.bytes()).put("wireBytes", s.wireBytes())
          .put("seconds", s.seconds()).put("chunks", s.chunks()).put("retriedChunks", s.retriedChunks())
          .put("resumedChunks", s.resumedChunks()).put("reconnects", s.reconnects()).put("verified", s.verified());
      if (s.reusedBytes() > 0) {
        j.put("reusedBytes", s.reusedBytes()); // a delta pull's; absent otherwise, so older records encode as they were
      }
    }
    return j;
  }

  /** Reads the fields of one event's data, naming the event in every refusal. */
  private static final class Reader {
    final long seq;
    final String type;
    final JsonObject data;

    Reader(long seq, String type, JsonObject data) {
      this.seq = seq;
      this.type = type;
      this.data = data;
    }

    JournalCorruptException invalid(String what) {
      return new JournalCorruptException("journal event " + seq + " (" + type + "): " + what);
    }

    private Object value(String field) {
      Object v = data.getValue(field);
      if (v == null) {
        throw invalid("no field '" + field + "'");
      }
      return v;
    }

    private <T> T as(String field, Class<T> kind, String what) {
      Object v = value(field);
      if (!kind.isInstance(v)) {
        throw invalid("field '" + field + "' is not " + what + ": " + v);
      }
      return kind.cast(v);
    }

    String string(String field) {
      return as(field, String.class, "a string");
    }

    String optionalString(String field) {
      return data.getValue(field) == null ? null : string(field);
    }

    long number(String field) {
      Number n = as(field, Number.class, "a number");
      if (n.doubleValue() != n.longValue()) {
        throw invalid("field '" + field + "' is not a whole number: " + n);
      }
      return n.longValue();
    }

    int integer(String field) {
      long n = number(field);
      if (n != (int) n) {
        throw invalid("field '" + field + "' is out of range: " + n);
      }
      return (int) n;
    }

    JsonObject object(String field) {
      return as(field, JsonObject.class, "an object");
    }

    JsonObject optionalObject(String field) {
      return data.getValue(field) == null ? null : object(field);
    }

    JobState state(String field) {
      return JobState.parse(string(field));
    }

    boolean bool(String field) {
      return as(field, Boolean.class, "true or false");
    }

    /** Statistics when the event has any (its {@code files} field), else null. */
    AttemptStats optionalStats() {
      return data.getValue("files") == null ? null : stats();
    }

    AttemptStats stats() {
      return new AttemptStats(integer("files"), number("totalBytes"), number("bytes"), number("wireBytes"),
          as("seconds", Number.class, "a number").doubleValue(), number("chunks"), number("retriedChunks"),
          number("resumedChunks"), number("reconnects"), bool("verified"),
          data.getValue("reusedBytes") == null ? 0 : number("reusedBytes")); // absent before delta pulls
    }

    Map<String, String> digests() {
      Map<String, String> out = new LinkedHashMap<>();
      for (Map.Entry<String, Object> e : object("digests")) {
        if (!(e.getValue() instanceof String s)) {
          throw invalid("the digest of '" + e.getKey() + "' is not a string: " + e.getValue());
        }
        out.put(e.getKey(), s);
      }
      return out;
    }
  }
}
