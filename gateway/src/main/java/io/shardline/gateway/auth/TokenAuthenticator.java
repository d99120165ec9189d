package io.shardline.gateway.auth;

import io.shardline.gateway.config.ApiToken;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Optional;

/**
 * Maps a bearer token to its {@link Caller}. Tokens are compared as SHA-256 digests with
 * {@link MessageDigest#isEqual} against every configured token (no early exit), so the time taken
 * says nothing about how much of a guess was right, nor which token matched.
 */
public final class TokenAuthenticator {
  private record Entry(byte[] digest, Caller caller) {}

  private final List<Entry> entries;

  public TokenAuthenticator(List<ApiToken> tokens) {
    this.entries = tokens.stream().map(t -> new Entry(sha256(t.token()), new Caller(t.name(), t.role()))).toList();
  }

  public Optional<Caller> authenticate(String presented) {
    if (presented == null) {
      return Optional.empty();
    }
    byte[] d = sha256(presented);
    Caller found = null;
    for (Entry e : entries) {
      if (MessageDigest.isEqual(d, e.digest()) & found == null) {
        found = e.caller();
      }
    }
    return Optional.ofNullable(found);
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
