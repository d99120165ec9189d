package io.shardline.perf.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * rsync over ssh, as in {@code ../shared/bench/run-all.sh}: a private sshd (ed25519 host and user
 * keys, no PAM, default cipher chacha20-poly1305) and {@code rsync -a -e 'ssh -F CONFIG'}. The
 * client pulls ({@code rsync -a bench:SET/ DEST/}), so sshd and the remote rsync are the server.
 */
final class RsyncTool implements Tool {
  private final Env env;
  private Net net;
  private Managed sshd;
  private Path sshConfig;

  RsyncTool(Env env) {
    this.env = env;
  }

  @Override
  public String id() {
    return "rsync";
  }

  @Override
  public String missing() {
    return Tool.missingOf("rsync", "ssh", "ssh-keygen", "/usr/sbin/sshd");
  }

  @Override
  public String config() {
    return "private sshd (ed25519, no PAM, default cipher chacha20-poly1305@openssh.com); "
        + "`rsync -a -e 'ssh -F CONFIG' bench:SET/ DEST/` (pull, no -z)";
  }

  @Override
  public void start(Net n) throws Exception {
    this.net = n;
    int port = Env.freePort();
    Path d = env.work().resolve("ssh");
    Files.createDirectories(d);
    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
    Files.createDirectories(Path.of("/run/sshd"));
    for (String k : List.of("host_ed25519", "id_ed25519")) {
      if (!Files.exists(d.resolve(k))) {
        String err = Net.run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", d.resolve(k).toString()));
        if (err != null) {
          throw new IllegalStateException("ssh-keygen: " + err);
        }
      }
    }
    Files.copy(d.resolve("id_ed25519.pub"), d.resolve("authorized_keys"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    String user = System.getProperty("user.name");
    Files.writeString(d.resolve("sshd_config-" + n.id()), """
        ListenAddress %1$s
        Port %2$d
        HostKey %3$s/host_ed25519
        PidFile %3$s/sshd-%4$s.pid
        AuthorizedKeysFile %3$s/authorized_keys
        PermitRootLogin prohibit-password
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        UsePAM no
        StrictModes no
        """.formatted(n.serverAddr(), port, d, n.id()));
    sshConfig = d.resolve("config-" + n.id());
    Files.writeString(sshConfig, """
        Host bench
          HostName %1$s
          Port %2$d
          User %3$s
          IdentityFile %4$s/id_ed25519
          IdentitiesOnly yes
          StrictHostKeyChecking no
          UserKnownHostsFile /dev/null
          LogLevel ERROR
          BatchMode yes
        """.formatted(n.serverAddr(), port, user, d));
    sshd = Managed.start("sshd-" + n.id(), n.server(List.of("/usr/sbin/sshd", "-D", "-e", "-f",
        d.resolve("sshd_config-" + n.id()).toString())), env.logs(), Env.CHILD_ENV);
    Ports.await(n, port, sshd, "sshd");
    String err = Net.run(n.client(List.of("timeout", "20", "ssh", "-F", sshConfig.toString(), "bench", "true")));
    if (err != null) {
      close();
      throw new IllegalStateException("ssh login to the private sshd failed: " + err);
    }
  }

  @Override
  public List<Case> cases(Profile profile, DataSet set) {
    return List.of(new Case(id(), "rsync-ssh", "rsync over ssh", 0, "-"));
  }

  @Override
  public Invocation invocation(Case c, DataSet set, Path dest) {
    return new Invocation(net.client(List.of("rsync", "-a", "-e", "ssh -F " + sshConfig, "bench:" + set.root() + "/",
        dest + "/")), true, Invocation.PLAIN);
  }

  @Override
  public List<Managed> servers() {
    return sshd == null ? List.of() : List.of(sshd);
  }

  @Override
  public void close() {
    if (sshd != null) {
      sshd.close();
      sshd = null;
    }
  }
}
