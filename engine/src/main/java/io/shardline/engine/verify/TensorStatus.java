package io.shardline.engine.verify;

/** How a tensor compares. */
public enum TensorStatus {
  IDENTICAL("identical"), DIFFERENT("different"), DTYPE_MISMATCH("dtypeMismatch"), SHAPE_MISMATCH("shapeMismatch"),
  ONLY_IN_A("onlyInA"), ONLY_IN_B("onlyInB");

  private final String json;

  TensorStatus(String json) {
    this.json = json;
  }

  /** The name used in JSON. */
  public String json() {
    return json;
  }
}
