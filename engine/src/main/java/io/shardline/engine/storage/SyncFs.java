package io.shardline.engine.storage;

import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Linux's {@code syncfs(2)}: writes back every dirty page and inode of one filesystem and commits
 * its journal, in one call. Reached through the foreign-function API of JDK 22 and later, looked
 * up by reflection because the engine is compiled for Java 17; on an older JDK, another OS, or
 * when the call cannot be linked, {@link #available()} is false and callers fsync file by file.
 * Needs {@code --enable-native-access=ALL-UNNAMED} to run without a warning (the launcher passes it
 * on JDK 24 and later).
 *
 * <p>Why: 64 KiB files written and fsynced one at a time cost ~0.8 ms each on this VM's ext4 (a
 * journal commit each), 0.29 ms on 16 threads (commits shared), 0.15 ms when a batch of them is
 * made durable by one {@code syncfs}, about what writing them costs without any sync
 * (docs/benchmarks.md, "Small files, third round"). Thread-safe.
 */
final class SyncFs {
  private static final int O_RDONLY = 0;
  private static final int O_DIRECTORY = 0200000;
  private static final Linked LINKED = link();

  private SyncFs() {}

  /** The downcalls and the reflective handles needed to make a C string. */
  private record Linked(MethodHandle open, MethodHandle syncfs, MethodHandle close, Method ofConfined,
      Method allocateFrom, Method closeArena) {}

  /** Whether {@link #sync} can be called here. */
  static boolean available() {
    return LINKED != null;
  }

  /**
   * syncfs of the filesystem that holds {@code anyPath} (a folder). Returns false when it could not
   * be called or failed (then nothing is known about what is durable: fsync file by file).
   */
  static boolean sync(Path anyPath) {
    Linked l = LINKED;
    if (l == null) {
      return false;
    }
    try {
      Object arena = l.ofConfined().invoke(null);
      try {
        Object cPath = l.allocateFrom().invoke(arena, anyPath.toString());
        int fd = (int) l.open().invokeWithArguments(cPath, O_RDONLY | O_DIRECTORY);
        if (fd < 0) {
          return false;
        }
        try {
          return (int) l.syncfs().invokeWithArguments(fd) == 0;
        } finally {
          l.close().invokeWithArguments(fd);
        }
      } finally {
        l.closeArena().invoke(arena);
      }
    } catch (Throwable t) {
      return false; // the caller fsyncs each file instead
    }
  }

  private static Linked link() {
    if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")
        || Boolean.getBoolean("shardline.noSyncfs")) {
      return null;
    }
    try {
      Class<?> linkerC = Class.forName("java.lang.foreign.Linker");
      Class<?> lookupC = Class.forName("java.lang.foreign.SymbolLookup");
      Class<?> segmentC = Class.forName("java.lang.foreign.MemorySegment");
      Class<?> layoutC = Class.forName("java.lang.foreign.MemoryLayout");
      Class<?> valueLayoutC = Class.forName("java.lang.foreign.ValueLayout");
      Class<?> descC = Class.forName("java.lang.foreign.FunctionDescriptor");
      Class<?> optionC = Class.forName("java.lang.foreign.Linker$Option");
      Class<?> arenaC = Class.forName("java.lang.foreign.Arena");
      Class<?> allocatorC = Class.forName("java.lang.foreign.SegmentAllocator");
      Object linker = linkerC.getMethod("nativeLinker").invoke(null);
      Object lookup = linkerC.getMethod("defaultLookup").invoke(linker);
      Object jint = valueLayoutC.getField("JAVA_INT").get(null);
      Object address = valueLayoutC.getField("ADDRESS").get(null);
      Method descOf = descC.getMethod("of", layoutC, layoutC.arrayType());
      Method find = lookupC.getMethod("find", String.class);
      Method downcall = linkerC.getMethod("downcallHandle", segmentC, descC, optionC.arrayType());
      Object noOptions = Array.newInstance(optionC, 0);
      Object variadicAfterTwo = Array.newInstance(optionC, 1);
      Array.set(variadicAfterTwo, 0, optionC.getMethod("firstVariadicArg", int.class).invoke(null, 2));
      Object intOfInt = descOf.invoke(null, jint, layouts(layoutC, jint));
      Object intOfPathInt = descOf.invoke(null, jint, layouts(layoutC, address, jint));
      MethodHandle open = (MethodHandle) downcall.invoke(linker, symbol(find, lookup, "open"), intOfPathInt,
          variadicAfterTwo);
      MethodHandle syncfs = (MethodHandle) downcall.invoke(linker, symbol(find, lookup, "syncfs"), intOfInt,
          noOptions);
      MethodHandle close = (MethodHandle) downcall.invoke(linker, symbol(find, lookup, "close"), intOfInt, noOptions);
      Linked l = new Linked(open, syncfs, close, arenaC.getMethod("ofConfined"),
          allocatorC.getMethod("allocateFrom", String.class), arenaC.getMethod("close"));
      return l;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return null; // JDK 17-21: no (final) foreign-function API; fsync file by file
    }
  }

  private static Object layouts(Class<?> layoutC, Object... ls) {
    Object a = Array.newInstance(layoutC, ls.length);
    for (int i = 0; i < ls.length; i++) {
      Array.set(a, i, ls[i]);
    }
    return a;
  }

  private static Object symbol(Method find, Object lookup, String name) throws ReflectiveOperationException {
    Optional<?> s = (Optional<?>) find.invoke(lookup, name);
    return s.orElseThrow(() -> new NoSuchMethodException(name));
  }
}
