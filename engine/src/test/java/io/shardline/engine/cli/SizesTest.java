package io.shardline.engine.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Sizes}: binary-unit sizes in, human-readable sizes out. */
class SizesTest {

  @ParameterizedTest
  @CsvSource({
      "0, 0",
      "65536, 65536",
      "64k, 65536",
      "64K, 65536",
      "64kb, 65536",
      "64KiB, 65536",
      "4m, 4194304",
      "4MiB, 4194304",
      "4 MiB, 4194304",
      "'  4M  ', 4194304",
      "1g, 1073741824",
      "1GB, 1073741824",
      "2t, 2199023255552",
      "100b, 100",
      "9223372036854775807, 9223372036854775807",
      "8388607t, 9223370937343148032",
  })
  void parses(String in, long expected) {
    assertEquals(expected, Sizes.parse(in));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "k", "-1", "1.5G", "1e6", "4 M B", "4x", "4p", "4MiBs", "0x10", "1,024"})
  void refusesWhatIsNotASize(String in) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Sizes.parse(in));
    assertTrue(e.getMessage().contains("not a size"), e::getMessage);
  }

  @ParameterizedTest
  @ValueSource(strings = {"8388608t", "8796093022208g", "9007199254740992k", "9223372036854775808"})
  void refusesSizesThatOverflow(String in) {
    assertThrows(IllegalArgumentException.class, () -> Sizes.parse(in));
  }

  @ParameterizedTest
  @CsvSource({
      "0, 0 B",
      "1, 1 B",
      "1023, 1023 B",
      "1024, 1.0 KiB",
      "1536, 1.5 KiB",
      "65536, 64.0 KiB",
      "4194304, 4.0 MiB",
      "1073741824, 1.0 GiB",
      "1649267441664, 1.5 TiB",
      "1125899906842624, 1024.0 TiB",
  })
  void human(double bytes, String expected) {
    assertEquals(expected, Sizes.human(bytes));
  }
}
