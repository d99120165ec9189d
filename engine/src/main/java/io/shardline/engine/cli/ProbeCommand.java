package io.shardline.engine.cli;

import io.shardline.engine.tls.Trust;
import io.shardline.engine.transfer.NodeProbe;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code shardline probe HOST:PORT}: a health check that means it (a TLS handshake and a HELLO
 * answered within the timeout), for container health checks and operators. Exit 0 when the node
 * answered; with {@code --token-file}, only when it also accepted the token.
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
    description = {"Checks that a node is alive and speaking the protocol: TCP, the TLS handshake, HELLO and the"
        + " node's answer, within --timeout. A frozen or wedged node still accepts TCP connections but answers no"
        + " handshake: it fails this check.",
        "Exit 0 when the node answered (WELCOME, or a refusal such as a missing token: it is alive); with"
        + " --token-file, 0 only when it accepted the token. Exit 1 otherwise, 2 for bad options."})
final class ProbeCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "HOST:PORT", description = "The node's shardline port.")
  String address;

  @ArgGroup(exclusive = true, multiplicity = "1")
  TrustChoice trust;

  static final class TrustChoice {
    @Option(names = "--trust", paramLabel = "sha256:HEX", description = "The node's certificate fingerprint.")
    String fingerprint;

    @Option(names = "--ca", paramLabel = "FILE", description = "Trust node certificates signed by this CA (PEM).")
    Path ca;

    @Option(names = "--insecure", description = "Do not verify the node (a liveness check of one's own node).")
    boolean insecure;
  }

  @Option(names = "--token-file", description = "File holding the node's token: then the token must be accepted too.")
  Path tokenFile;

  @Mixin
  ClientIdentityFlags identity = new ClientIdentityFlags();

  @Option(names = "--timeout", defaultValue = "5", description = "Seconds for the whole probe (default: ${DEFAULT-VALUE}).")
  double timeout;

  @Option(names = "--json", description = "Print exactly one JSON object with the result on stdout.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    HostPort hp;
    long timeoutMs;
    Trust t;
    String token = null;
    try {
      hp = HostPort.parse(address);
      timeoutMs = OptionValues.seconds("--timeout", timeout);
      t = OptionValues.trust(trust.fingerprint, trust.ca, trust.insecure);
      if (tokenFile != null) {
        token = OptionValues.token("--token-file", tokenFile);
      }
      String bad = identity.problem();
      if (bad != null) {
        throw new IllegalArgumentException(bad);
      }
    } catch (IllegalArgumentException | java.io.IOException e) {
      System.err.println("shardline probe: " + e.getMessage());
      return 2;
    }
    Vertx vertx = Vertx.vertx();
    try {
      NodeProbe.Result r = NodeProbe.run(vertx, hp.host(), hp.port(), t, token, timeoutMs, identity.clientCert,
          identity.clientKey)
          .toCompletionStage().toCompletableFuture().get(timeoutMs + 5000, TimeUnit.MILLISECONDS);
      boolean ok = tokenFile != null ? r.welcomed() : r.answered();
      if (json) {
        System.out.println(r.toJson().put("ok", ok));
      } else if (r.welcomed()) {
        System.out.printf("shardline probe: %s:%d answered WELCOME in %.3f s%n", hp.host(), hp.port(), r.seconds());
      } else if (r.answered()) {
        (ok ? System.out : System.err).printf("shardline probe: %s:%d is alive but refused the HELLO (%s) in %.3f s%s%n",
            hp.host(), hp.port(), r.refusal(), r.seconds(), ok ? "" : ": " + r.error());
      } else {
        System.err.printf("shardline probe: %s:%d did not answer: %s%n", hp.host(), hp.port(), r.error());
      }
      return ok ? 0 : 1;
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
