package io.shardline.engine.https;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The HTTPS front's connection caps, per client address and in all. */
class ConnectionLimitsTest {
  @Test
  void anAddressGetsNoMoreThanItsShare() {
    ConnectionLimits l = new ConnectionLimits(2, 10);
    assertTrue(l.admit("a"));
    assertTrue(l.admit("a"));
    assertFalse(l.admit("a"));
    assertTrue(l.admit("b"), "another address is not affected");
    l.leave("a");
    assertTrue(l.admit("a"), "a closed connection makes room");
    assertEquals(1, l.closed());
    assertEquals(3, l.open());
  }

  @Test
  void allAddressesTogetherStayUnderTheTotal() {
    ConnectionLimits l = new ConnectionLimits(5, 3);
    assertTrue(l.admit("a"));
    assertTrue(l.admit("b"));
    assertTrue(l.admit("c"));
    assertFalse(l.admit("d"));
    assertEquals(3, l.open(), "a refused connection is not counted");
    l.leave("b");
    assertTrue(l.admit("d"));
  }

  @Test
  void capsArePositive() {
    assertThrows(IllegalArgumentException.class, () -> new ConnectionLimits(0, 1));
    assertThrows(IllegalArgumentException.class, () -> new ConnectionLimits(1, 0));
  }
}
