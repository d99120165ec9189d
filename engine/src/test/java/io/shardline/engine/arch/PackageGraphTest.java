package io.shardline.engine.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.shardline.engine.testutil.PackageRules;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine's packages follow the data path: no circles, and every cross-package use is an import. */
class PackageGraphTest {
  @Test
  void enginePackagesFormNoCircle() {
    PackageRules.assertNoCircles("io.shardline.engine");
  }

  @Test
  void noQualifiedNamesOfOtherPackagesInCode() {
    assertEquals(List.of(), PackageRules.qualifiedNames(Path.of("src/main/java")));
  }
}
