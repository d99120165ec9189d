package io.shardline.gateway.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.shardline.gateway.config.ApiToken;
import io.shardline.gateway.config.Role;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenAuthenticatorTest {
  final TokenAuthenticator auth = new TokenAuthenticator(List.of(
      new ApiToken("op-secret-1", Role.OPERATOR, "alice"), new ApiToken("view-secret-1", Role.VIEWER, "bob")));

  @Test
  void tokensMapToTheirCaller() {
    assertEquals(new Caller("alice", Role.OPERATOR), auth.authenticate("op-secret-1").orElseThrow());
    assertEquals(new Caller("bob", Role.VIEWER), auth.authenticate("view-secret-1").orElseThrow());
  }

  @Test
  void anythingElseIsRefused() {
    for (String s : new String[] {null, "", "op-secret", "op-secret-10", "OP-SECRET-1", "view-secret-1 ", "\u0000"}) {
      assertTrue(auth.authenticate(s).isEmpty(), "'" + s + "'");
    }
  }
}
