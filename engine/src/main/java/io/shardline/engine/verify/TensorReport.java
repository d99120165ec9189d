package io.shardline.engine.verify;

import io.shardline.engine.tensor.SafetensorsHeader.Tensor;
import io.shardline.engine.tensor.TensorDiff;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** One tensor of a safetensors file that differs; {@code a} or {@code b} is null where it is missing. */
public record TensorReport(String name, TensorStatus status, Tensor a, Tensor b, TensorDiff.Result diff) {
  public JsonObject toJson() {
    JsonObject o = new JsonObject().put("name", name).put("status", status.json());
    Tensor t = a != null ? a : b;
    if (status == TensorStatus.DTYPE_MISMATCH || status == TensorStatus.SHAPE_MISMATCH) {
      o.put("dtypeA", a.dtype().name()).put("dtypeB", b.dtype().name())
          .put("shapeA", shape(a)).put("shapeB", shape(b));
    } else {
      o.put("dtype", t.dtype().name()).put("shape", shape(t)).put("elements", t.elements());
    }
    if (diff != null) {
      o.put("differing", diff.differing()).put("nanDiffering", diff.nanDiffering())
          .put("l1", number(diff.l1())).put("maxAbsDiff", number(diff.maxAbs()));
    }
    return o;
  }

  private static JsonArray shape(Tensor t) {
    JsonArray s = new JsonArray();
    for (long d : t.shape()) {
      s.add(d);
    }
    return s;
  }

  /** JSON has no infinities: they are written as the strings "Infinity" and "-Infinity". */
  private static Object number(double d) {
    return Double.isFinite(d) ? (Object) d : Double.toString(d);
  }
}
