package io.shardline.gateway.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.shardline.engine.testutil.PackageRules;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gateway's packages follow the data path: no circles, and every cross-package use is an import. */
class PackageGraphTest {
  @Test
  void gatewayPackagesFormNoCircle() {
    PackageRules.assertNoCircles("io.shardline.gateway");
  }

  @Test
  void noQualifiedNamesOfOtherPackagesInCode() {
    assertEquals(List.of(), PackageRules.qualifiedNames(Path.of("src/main/java")));
  }
}
