package io.shardline.engine.verify;

/** How a file compares. */
public enum FileStatus {
  IDENTICAL("identical"), DIFFERENT("different"), ONLY_IN_A("onlyInA"), ONLY_IN_B("onlyInB");

  private final String json;

  FileStatus(String json) {
    this.json = json;
  }

  /** The name used in JSON. */
  public String json() {
    return json;
  }
}
