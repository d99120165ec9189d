package io.shardline.engine.integrity;

import io.netty.buffer.ByteBuf;
import io.netty.util.internal.PlatformDependent;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SHA-256 of chunk bytes, the strong identity of a chunk (protocol v6). Two engines behind one
 * call, chosen once per JVM:
 *
 * <ul>
 *   <li><b>OpenSSL's libcrypto</b> through the Foreign Function API (JDK 22+), for bytes in native
 *       memory (direct buffers): OpenSSL's SHA-NI code runs at ~1.5 GB/s per core here whatever
 *       the JIT does. The pulling client runs C1 only ({@code -XX:TieredStopAtLevel=1}), and the
 *       JDK's own SHA-256 is fast only once C2 compiles it (its SHA-NI intrinsic is C2's): under
 *       C1 it runs at ~80 MB/s. The API is called through {@code java.lang.invoke} because this
 *       code is compiled for Java 17; the C signatures take pointers and {@code size_t} as
 *       64-bit integers, which the x86-64 and AArch64 C calling conventions pass like pointers.
 *   <li>{@link MessageDigest} otherwise (JDK 17, heap bytes, no libcrypto): fast under C2, which is
 *       why the launcher leaves C2 on for pulls on a JDK without the Foreign Function API.
 * </ul>
 *
 * Thread-safe; each thread has its own native context and output buffer.
 */
public final class Sha256 {
  private static final Logger LOG = LoggerFactory.getLogger(Sha256.class);
  public static final int BYTES = 32;
  private static final Native NATIVE = Native.load();
  private static final ThreadLocal<MessageDigest> JDK = ThreadLocal.withInitial(Sha256::jdkDigest);

  private Sha256() {}

  /** Whether OpenSSL's SHA-256 is in use for native memory (for logs and benchmarks). */
  public static boolean nativeEngine() {
    return NATIVE != null;
  }

  /** SHA-256 of the readable bytes of {@code buf}; does not move its indices. */
  public static byte[] of(ByteBuf buf) {
    if (NATIVE != null && buf.nioBufferCount() > 0 && PlatformDependent.hasUnsafe()) {
      ByteBuffer[] parts = buf.nioBuffers();
      boolean direct = true;
      for (ByteBuffer p : parts) {
        direct &= p.isDirect();
      }
      if (direct) {
        return NATIVE.digest(parts);
      }
    }
    MessageDigest md = JDK.get();
    for (ByteBuffer b : buf.nioBuffers()) {
      md.update(b);
    }
    return md.digest();
  }

  /** SHA-256 of the remaining bytes of {@code b}; does not move its position. */
  public static byte[] of(ByteBuffer b) {
    if (NATIVE != null && b.isDirect() && PlatformDependent.hasUnsafe()) {
      return NATIVE.digest(new ByteBuffer[] {b});
    }
    MessageDigest md = JDK.get();
    md.update(b.duplicate());
    return md.digest();
  }

  public static byte[] of(byte[] b, int off, int len) {
    MessageDigest md = JDK.get();
    md.update(b, off, len);
    return md.digest();
  }

  /** A fresh JDK digest (for callers that hash in several steps). */
  public static MessageDigest jdkDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** libcrypto's {@code SHA256_Init/Update/Final} as downcall handles. */
  private static final class Native {
    private static final int CTX_BYTES = 256; // sizeof(SHA256_CTX) is 112 in OpenSSL 1.1 and 3
    private final MethodHandle init; // int SHA256_Init(SHA256_CTX *c)
    private final MethodHandle update; // int SHA256_Update(SHA256_CTX *c, const void *data, size_t len)
    private final MethodHandle finish; // int SHA256_Final(unsigned char *md, SHA256_CTX *c)
    /** Per thread: the context followed by the 32-byte output, in native memory. */
    private final ThreadLocal<ByteBuffer> scratch =
        ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(CTX_BYTES + BYTES).order(ByteOrder.nativeOrder()));

    private Native(MethodHandle init, MethodHandle update, MethodHandle finish) {
      this.init = init;
      this.update = update;
      this.finish = finish;
    }

    static Native load() {
      if (Boolean.getBoolean("shardline.sha256.jdk") || !PlatformDependent.hasUnsafe() || Runtime.version().feature() < 22) {
        return null;
      }
      try {
        Class<?> linkerC = Class.forName("java.lang.foreign.Linker");
        Class<?> arenaC = Class.forName("java.lang.foreign.Arena");
        Class<?> lookupC = Class.forName("java.lang.foreign.SymbolLookup");
        Class<?> segmentC = Class.forName("java.lang.foreign.MemorySegment");
        Class<?> layoutC = Class.forName("java.lang.foreign.MemoryLayout");
        Class<?> descC = Class.forName("java.lang.foreign.FunctionDescriptor");
        Class<?> optionC = Class.forName("java.lang.foreign.Linker$Option");
        Object linker = linkerC.getMethod("nativeLinker").invoke(null);
        Object arena = arenaC.getMethod("global").invoke(null);
        Object lib = null;
        for (String name : new String[] {"libcrypto.so.3", "libcrypto.so.1.1", "libcrypto.so"}) {
          try {
            lib = lookupC.getMethod("libraryLookup", String.class, arenaC).invoke(null, name, arena);
            break;
          } catch (java.lang.reflect.InvocationTargetException notThere) {
            // try the next soname
          }
        }
        if (lib == null) {
          LOG.debug("no libcrypto found: SHA-256 by the JDK");
          return null;
        }
        Object jlong = Class.forName("java.lang.foreign.ValueLayout").getField("JAVA_LONG").get(null);
        Object jint = Class.forName("java.lang.foreign.ValueLayout").getField("JAVA_INT").get(null);
        Object noOptions = Array.newInstance(optionC, 0);
        java.lang.reflect.Method find = lookupC.getMethod("find", String.class);
        java.lang.reflect.Method of = descC.getMethod("of", layoutC, Array.newInstance(layoutC, 0).getClass());
        java.lang.reflect.Method downcall = linkerC.getMethod("downcallHandle", segmentC, descC, noOptions.getClass());
        MethodHandle[] handles = new MethodHandle[3];
        String[] names = {"SHA256_Init", "SHA256_Update", "SHA256_Final"};
        int[] args = {1, 3, 2};
        for (int i = 0; i < names.length; i++) {
          Optional<?> sym = (Optional<?>) find.invoke(lib, names[i]);
          if (sym.isEmpty()) {
            LOG.debug("libcrypto has no {}: SHA-256 by the JDK", names[i]);
            return null;
          }
          Object params = Array.newInstance(layoutC, args[i]);
          for (int a = 0; a < args[i]; a++) {
            Array.set(params, a, jlong);
          }
          Object desc = of.invoke(null, jint, params);
          handles[i] = (MethodHandle) downcall.invoke(linker, sym.get(), desc, noOptions);
        }
        Native n = new Native(handles[0], handles[1], handles[2]);
        n.selfTest();
        return n;
      } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
        LOG.debug("OpenSSL's SHA-256 unavailable ({}): SHA-256 by the JDK", e.toString());
        return null;
      }
    }

    /** Checks both paths against the JDK's digest once, so a wrong binding is never used. */
    private void selfTest() {
      ByteBuffer probe = ByteBuffer.allocateDirect(1000);
      for (int i = 0; i < 1000; i++) {
        probe.put((byte) (i * 31 + 7));
      }
      probe.flip();
      MessageDigest md = jdkDigest();
      md.update(probe.duplicate());
      byte[] want = md.digest();
      ByteBuffer a = probe.duplicate().limit(300);
      ByteBuffer b = probe.duplicate().position(300);
      if (!java.util.Arrays.equals(want, digest(new ByteBuffer[] {probe.duplicate()}))
          || !java.util.Arrays.equals(want, digest(new ByteBuffer[] {a, b}))) {
        throw new IllegalStateException("libcrypto's SHA-256 disagrees with the JDK's");
      }
    }

    /** Direct buffers' remaining bytes, in order; positions unchanged. */
    byte[] digest(ByteBuffer[] parts) {
      ByteBuffer s = scratch.get();
      long ctx = PlatformDependent.directBufferAddress(s);
      try {
        check((int) init.invokeExact(ctx));
        for (ByteBuffer p : parts) {
          check((int) update.invokeExact(ctx, PlatformDependent.directBufferAddress(p) + p.position(), (long) p.remaining()));
        }
        check((int) finish.invokeExact(ctx + CTX_BYTES, ctx));
      } catch (RuntimeException | Error e) {
        throw e;
      } catch (Throwable t) {
        throw new IllegalStateException(t);
      }
      byte[] md = new byte[BYTES];
      s.get(CTX_BYTES, md);
      return md;
    }

    private static void check(int ok) {
      if (ok != 1) {
        throw new IllegalStateException("libcrypto's SHA-256 failed");
      }
    }
  }
}
