package io.shardline.engine.https;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.rate.TokenBucket;
import io.shardline.engine.storage.LocalChunkSource;
import io.shardline.engine.storage.SafePath;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpConnection;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers the HTTPS front's requests, in this order: the method ({@code GET}, {@code HEAD}, else
 * 405; in the Hub layout also {@code POST}, which {@link HubRequests} takes), the token
 * ({@code Authorization: Bearer}, else 401), no request body (400), in the Hub layout then
 * {@link HubRequests}, else the path
 * (percent-decoded once, then the shardline port's rules: {@link SafePath} and
 * {@link LocalChunkSource}; 400 for a refused path, 404 for a missing one), then on a disk
 * worker the file's version, then the conditions ({@link Validators}: 304, 412), the range
 * ({@link ByteRange}: 206, 416) and the body ({@link FileBody}). A directory is listed as JSON
 * for {@code ?list} or {@code Accept: application/json}. Errors are one line of text.
 */
final class FileRequests {
  private static final Logger LOG = LoggerFactory.getLogger(FileRequests.class);
  private static final String OCTETS = "application/octet-stream";

  private final Vertx vertx;
  private final LocalChunkSource tree;
  private final WorkerExecutor disk;
  private final ByteBufAllocator alloc;
  private final byte[] token;
  private final TokenBucket bucket;
  private final ConnectionLimits limits;
  private final AtomicLong refused = new AtomicLong();
  /** The Hub layout's routes (null: plain paths). */
  private final HubRequests hub;

  FileRequests(Vertx vertx, LocalChunkSource tree, WorkerExecutor disk, ByteBufAllocator alloc, String token,
      TokenBucket bucket, ConnectionLimits limits, HttpsFront.Layout layout, int maxFiles) {
    this.vertx = vertx;
    this.tree = tree;
    this.disk = disk;
    this.alloc = alloc;
    this.token = token == null ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
    this.bucket = bucket;
    this.limits = limits;
    this.hub = layout == HttpsFront.Layout.HUB
        ? new HubRequests(this, tree, disk, new HubRepos(tree, maxFiles), token != null) : null;
  }

  long refused() {
    return refused.get();
  }

  ConnectionLimits limits() {
    return limits;
  }

  /** A new connection: admitted under the limits, or closed at once. */
  void connected(HttpConnection conn) {
    String address = conn.remoteAddress() == null ? "?" : conn.remoteAddress().hostAddress();
    if (!limits.admit(address)) {
      LOG.warn("closed a connection from {}: over the HTTPS front's connection limits", address);
      conn.close();
      return;
    }
    conn.closeHandler(v -> limits.leave(address));
  }

  void handle(HttpServerRequest req) {
    HttpServerResponse resp = req.response();
    boolean head = req.method() == HttpMethod.HEAD;
    boolean post = hub != null && req.method() == HttpMethod.POST; // the Hub's paths-info
    if (!head && req.method() != HttpMethod.GET && !post) {
      resp.putHeader(HttpHeaderNames.ALLOW, hub != null ? "GET, HEAD, POST" : "GET, HEAD");
      error(req, 405, hub != null ? "only GET, HEAD and (for paths-info) POST are served" : "only GET and HEAD are served");
      return;
    }
    if (token != null) {
      String auth = req.getHeader(HttpHeaderNames.AUTHORIZATION);
      if (auth == null || !MessageDigest.isEqual(token, auth.getBytes(StandardCharsets.UTF_8))) {
        refused.incrementAndGet();
        LOG.warn("refused a request from {}: {} token", req.remoteAddress(), auth == null ? "no" : "wrong");
        resp.putHeader(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"shardline\"");
        error(req, 401, auth == null ? "this node requires a token: Authorization: Bearer TOKEN" : "wrong token");
        return;
      }
    }
    if (!post && hasBody(req)) {
      resp.putHeader(HttpHeaderNames.CONNECTION, "close");
      error(req, 400, "GET and HEAD take no request body");
      return;
    }
    if (hub != null) {
      hub.handle(req, head);
      return;
    }
    String rel;
    boolean listWanted;
    try {
      QueryStringDecoder uri = new QueryStringDecoder(req.path() == null ? "/" : req.path());
      rel = SafePath.normalize(uri.path());
      String query = req.query();
      listWanted = (query != null && new QueryStringDecoder(query, false).parameters().containsKey("list"))
          || accepts(req.getHeader(HttpHeaderNames.ACCEPT), "application/json");
    } catch (IllegalArgumentException e) {
      error(req, 400, "bad request path: " + e.getMessage());
      return;
    } catch (ShardlineException e) {
      error(req, status(e), e.getMessage());
      return;
    }
    Validators.Conditions conditions = conditions(req);
    String range = req.getHeader(HttpHeaderNames.RANGE);
    disk.<Answer>executeBlocking(() -> prepare(rel, listWanted, conditions, range), false).onComplete(ar -> {
      if (ar.failed()) {
        failed(req, rel, ar.cause());
        return;
      }
      respond(req, head, ar.result());
    });
  }

  /** The condition headers of a request. */
  static Validators.Conditions conditions(HttpServerRequest req) {
    return new Validators.Conditions(req.getHeader(HttpHeaderNames.IF_MATCH),
        req.getHeader(HttpHeaderNames.IF_NONE_MATCH), req.getHeader(HttpHeaderNames.IF_MODIFIED_SINCE),
        req.getHeader(HttpHeaderNames.IF_UNMODIFIED_SINCE), req.getHeader("If-Range"));
  }

  /** Answers a request for {@code /rel} whose work failed: its typed error, or 500 (logged) for anything else. */
  void failed(HttpServerRequest req, String rel, Throwable t) {
    if (t instanceof ShardlineException e) {
      error(req, status(e), e.getMessage());
    } else {
      LOG.warn("HTTPS request for /{} failed: {}", rel, t.toString(), t);
      error(req, 500, "the node failed to read /" + rel);
    }
  }

  /** What a request gets, worked out on a disk worker. */
  sealed interface Answer {}

  private record Status(int code, Validators validators, String contentRange) implements Answer {}

  /** A JSON document (a listing, or the Hub layout's metadata). */
  record Listing(String json) implements Answer {}

  private record Body(int code, Validators validators, LocalChunkSource.Node file, FileChannel channel,
      long offset, long length) implements Answer {}

  private Answer prepare(String rel, boolean listWanted, Validators.Conditions conditions, String rangeHeader) {
    LocalChunkSource.Node node = tree.node(rel);
    if (node.attrs().isDirectory()) {
      if (!listWanted) {
        throw new ShardlineException(ErrorCode.NOT_FOUND, "/" + rel + " is a directory; GET /"
            + (rel.isEmpty() ? "" : rel + "/") + "?list lists it as JSON");
      }
      return new Listing(listing(node, tree.entries(node)));
    }
    return file(node, conditions, rangeHeader);
  }

  /**
   * What a request for the regular file {@code node} gets under its conditions and range: 304,
   * 412, 416, or the body (the file opened at that version; {@link #respond} closes it). Blocking.
   */
  Answer file(LocalChunkSource.Node node, Validators.Conditions conditions, String rangeHeader) {
    Validators v = Validators.of(node.attrs());
    Validators.Decision d = v.decide(conditions);
    switch (d.outcome()) {
      case NOT_MODIFIED -> {
        return new Status(304, v, null);
      }
      case PRECONDITION_FAILED -> {
        return new Status(412, v, null);
      }
      default -> { }
    }
    long size = node.attrs().size();
    ByteRange r = d.rangeAllowed() ? ByteRange.of(rangeHeader, size) : ByteRange.WHOLE;
    if (r instanceof ByteRange.Unsatisfiable) {
      return new Status(416, v, "bytes */" + size);
    }
    FileChannel ch = tree.openPlain(node);
    if (r instanceof ByteRange.Part p) {
      return new Body(206, v, node, ch, p.first(), p.length());
    }
    return new Body(200, v, node, ch, 0, size);
  }

  /** Sends an answer: headers already set on the response stay. On the request's event loop. */
  void respond(HttpServerRequest req, boolean head, Answer a) {
    HttpServerResponse resp = req.response();
    if (a instanceof Listing l) {
        byte[] json = l.json().getBytes(StandardCharsets.UTF_8);
        resp.setStatusCode(200).putHeader(HttpHeaderNames.CONTENT_TYPE, "application/json")
            .putHeader(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(json.length));
        if (head) {
          resp.end();
        } else {
          resp.end(io.vertx.core.buffer.Buffer.buffer(json));
        }
      } else if (a instanceof Status s) {
        validators(resp, s.validators());
        if (s.contentRange() != null) {
          resp.putHeader(HttpHeaderNames.CONTENT_RANGE, s.contentRange());
        }
        if (s.code() == 304) {
          resp.setStatusCode(304).end();
        } else {
          error(req, s.code(), s.code() == 412 ? "precondition failed: the file is at version "
              + s.validators().etag() : "range not satisfiable: the file has " + s.contentRange().substring(8)
              + " bytes");
        }
      } else if (a instanceof Body b) {
        validators(resp, b.validators());
        resp.setStatusCode(b.code()).putHeader(HttpHeaderNames.CONTENT_TYPE, OCTETS)
            .putHeader(HttpHeaderNames.CONTENT_LENGTH, Long.toString(b.length()));
        if (b.code() == 206) {
          resp.putHeader(HttpHeaderNames.CONTENT_RANGE,
              new ByteRange.Part(b.offset(), b.offset() + b.length() - 1).contentRange(b.file().attrs().size()));
        }
        if (head || b.length() == 0) {
          resp.end();
          close(b.channel());
          return;
        }
        FileBody.send(vertx, disk, alloc, bucket, b.file(), b.channel(), resp, b.offset(), b.length())
            .onComplete(ar -> {
              close(b.channel());
              if (ar.failed()) {
                LOG.debug("HTTPS body of /{} to {} cut off: {}", b.file().rel(), req.remoteAddress(),
                    ar.cause().toString());
              }
            });
      }
  }

  private static void validators(HttpServerResponse resp, Validators v) {
    resp.putHeader(HttpHeaderNames.ETAG, v.etag())
        .putHeader(HttpHeaderNames.LAST_MODIFIED, v.lastModifiedHeader())
        .putHeader(HttpHeaderNames.ACCEPT_RANGES, "bytes");
  }

  private void close(FileChannel ch) {
    disk.executeBlocking(() -> {
      ch.close();
      return null;
    }, false).onFailure(t -> LOG.debug("closing a served file: {}", t.toString()));
  }

  /** The JSON listing of a directory: its path and one object per entry. */
  static String listing(LocalChunkSource.Node dir, List<LocalChunkSource.Node> entries) {
    JsonArray items = new JsonArray();
    for (LocalChunkSource.Node n : entries) {
      String name = n.rel().substring(n.rel().lastIndexOf('/') + 1);
      JsonObject o = new JsonObject().put("name", name).put("path", "/" + n.rel());
      if (n.attrs().isDirectory()) {
        o.put("type", "directory");
      } else {
        Validators v = Validators.of(n.attrs());
        o.put("type", "file").put("size", n.attrs().size()).put("lastModified", v.lastModified().toString())
            .put("etag", v.etag());
      }
      items.add(o);
    }
    return new JsonObject().put("path", "/" + dir.rel()).put("entries", items).encode();
  }

  /** Whether a request carries a body (a length over 0, or a transfer coding). */
  private static boolean hasBody(HttpServerRequest req) {
    String len = req.getHeader(HttpHeaderNames.CONTENT_LENGTH);
    if (req.getHeader(HttpHeaderNames.TRANSFER_ENCODING) != null) {
      return true;
    }
    if (len == null) {
      return false;
    }
    try {
      return Long.parseLong(len.strip()) != 0;
    } catch (NumberFormatException e) {
      return true;
    }
  }

  /** Whether an {@code Accept} header names {@code type} (parameters and q-values aside). */
  static boolean accepts(String accept, String type) {
    if (accept == null) {
      return false;
    }
    for (String part : accept.split(",")) {
      int semi = part.indexOf(';');
      String t = (semi < 0 ? part : part.substring(0, semi)).strip();
      if (t.equalsIgnoreCase(type)) {
        return true;
      }
    }
    return false;
  }

  /** The HTTP status of a typed error. */
  static int status(ShardlineException e) {
    return switch (e.code()) {
      case NOT_FOUND -> 404;
      case BAD_PATH, BAD_REQUEST -> 400;
      case SOURCE_CHANGED -> 503;
      default -> 500;
    };
  }

  /**
   * An error answer: one line of text, or in the Hub layout the Hub's form ({@code {"error":
   * MESSAGE}} as JSON with {@code X-Error-Message}; {@link HubRequests} adds {@code X-Error-Code}).
   */
  void error(HttpServerRequest req, int code, String message) {
    HttpServerResponse resp = req.response();
    if (code == 503) {
      resp.putHeader(HttpHeaderNames.RETRY_AFTER, "1");
    }
    byte[] bytes;
    if (hub != null) {
      bytes = HubRequests.errorBody(resp, message);
    } else {
      bytes = (code + " " + reason(code) + ": " + message + "\n").getBytes(StandardCharsets.UTF_8);
      resp.putHeader(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    }
    resp.setStatusCode(code).putHeader(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(bytes.length));
    if (req.method() == HttpMethod.HEAD) {
      resp.end();
    } else {
      resp.end(io.vertx.core.buffer.Buffer.buffer(bytes));
    }
  }

  private static String reason(int code) {
    return switch (code) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 411 -> "Length Required";
      case 412 -> "Precondition Failed";
      case 413 -> "Content Too Large";
      case 416 -> "Range Not Satisfiable";
      case 503 -> "Service Unavailable";
      default -> "Internal Server Error";
    };
  }
}
