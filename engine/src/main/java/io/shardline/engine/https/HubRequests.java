package io.shardline.engine.https;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.QueryStringEncoder;
import io.shardline.engine.error.ErrorCode;
import io.shardline.engine.error.ShardlineException;
import io.shardline.engine.storage.LocalChunkSource;
import io.vertx.core.Future;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.HostAndPort;
import io.vertx.core.net.SocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The HTTPS front's Hub layout ({@code serve --https-layout hub}): a tree of
 * {@code REPO/REVISION/...files} served at the routes the Hugging Face Hub's clients use
 * ({@link HubRoute}), so they download from the node with only their endpoint changed. After
 * {@link FileRequests} checked the method and the token (and that a GET or HEAD has no body):
 * the route (400 or 404 for a bad or unknown one; 405 for a POST but to paths-info, whose body
 * must declare its length, at most {@link HubRoute#MAX_BODY}), then on a disk worker the revision
 * ({@link HubRepos}) and the answer: its metadata, a tree page or paths-info as JSON
 * ({@link HubMetadata}), or a file as any file of the front (conditions, range,
 * {@link FileBody}) with {@code X-Repo-Commit}. Errors are the Hub's ({@code {"error": ...}},
 * {@code X-Error-Code}).
 */
final class HubRequests {
  /** The Hub's header naming the commit a file was resolved at. */
  static final String X_REPO_COMMIT = "X-Repo-Commit";
  static final String X_ERROR_CODE = "X-Error-Code";
  static final String X_ERROR_MESSAGE = "X-Error-Message";

  private final FileRequests files;
  private final LocalChunkSource tree;
  private final WorkerExecutor disk;
  private final HubRepos repos;
  private final boolean needsToken;

  HubRequests(FileRequests files, LocalChunkSource tree, WorkerExecutor disk, HubRepos repos, boolean needsToken) {
    this.files = files;
    this.tree = tree;
    this.disk = disk;
    this.repos = repos;
    this.needsToken = needsToken;
  }

  /** A Hub answer: the front's answer and the headers that go with it. */
  private record Hub(FileRequests.Answer answer, String commit, String next) {}

  void handle(HttpServerRequest req, boolean head) {
    HubRoute route;
    try {
      route = HubRoute.parse(req.path(), req.query());
    } catch (ShardlineException e) {
      fail(req, e);
      return;
    }
    boolean post = req.method() == HttpMethod.POST;
    if (post != route instanceof HubRoute.PathsInfo) {
      req.response().putHeader(HttpHeaderNames.ALLOW, post ? "GET, HEAD" : "POST");
      if (post) {
        req.response().putHeader(HttpHeaderNames.CONNECTION, "close"); // the body is not read
      }
      files.error(req, 405, post ? "only paths-info takes a POST" : "paths-info takes a POST");
      return;
    }
    Future<Hub> work;
    if (route instanceof HubRoute.PathsInfo p) {
      String length = req.getHeader(HttpHeaderNames.CONTENT_LENGTH);
      if (!smallDeclaredBody(req, length)) {
        req.response().putHeader(HttpHeaderNames.CONNECTION, "close");
        files.error(req, length == null ? 411 : 413, length == null ? "paths-info needs a Content-Length"
            : "a paths-info body is at most " + HubRoute.MAX_BODY + " bytes");
        return;
      }
      String type = req.getHeader(HttpHeaderNames.CONTENT_TYPE);
      work = req.body().compose(body -> {
        HubRoute.PathsQuery q = HubRoute.pathsQuery(type, body.getBytes());
        return disk.executeBlocking(() -> pathsInfo(p, q), false);
      });
    } else {
      Validators.Conditions conditions = FileRequests.conditions(req);
      String range = req.getHeader(HttpHeaderNames.RANGE);
      work = disk.executeBlocking(() -> answer(route, conditions, range), false);
    }
    work.onComplete(ar -> {
      if (ar.failed()) {
        fail(req, ar.cause());
        return;
      }
      Hub h = ar.result();
      HttpServerResponse resp = req.response();
      if (h.commit() != null) {
        resp.putHeader(X_REPO_COMMIT, h.commit());
      }
      if (h.next() != null) {
        resp.putHeader("Link", "<" + nextUrl(req, h.next()) + ">; rel=\"next\"");
      }
      files.respond(req, head, h.answer());
    });
  }

  /** Whether the body's length is declared ({@code Content-Length}, no transfer coding) and at most {@link HubRoute#MAX_BODY}. */
  private static boolean smallDeclaredBody(HttpServerRequest req, String length) {
    if (length == null || req.getHeader(HttpHeaderNames.TRANSFER_ENCODING) != null) {
      return false;
    }
    try {
      long n = Long.parseLong(length.strip());
      return n >= 0 && n <= HubRoute.MAX_BODY;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** The entries a paths-info request names. Blocking: on a disk worker. */
  private Hub pathsInfo(HubRoute.PathsInfo p, HubRoute.PathsQuery q) {
    HubRepos.Revision r = repos.revision(p.repo(), p.revision());
    String json = HubMetadata.pathsInfo(r.entries(), q.paths(), r.commit(), r.name(), r.lastModified(), q.expand())
        .encode();
    return new Hub(new FileRequests.Listing(json), r.commit(), null);
  }

  /** Works out a route's answer. Blocking: on a disk worker. */
  private Hub answer(HubRoute route, Validators.Conditions conditions, String range) {
    if (route instanceof HubRoute.Info i) {
      HubRepos.Revision r = repos.revision(i.repo(), i.revision());
      JsonObject info = HubMetadata.info(r.repo(), r.commit(), r.entries(), r.lastModified(), needsToken);
      return new Hub(new FileRequests.Listing(info.encode()), r.commit(), null);
    }
    if (route instanceof HubRoute.Tree t) {
      HubRepos.Revision r = repos.revision(t.repo(), t.revision());
      if (!t.path().isEmpty()) {
        HubMetadata.Entry e = HubMetadata.find(r.entries(), t.path());
        if (e == null || !e.directory()) {
          throw HubException.entryNotFound(r.repo(), r.name(), r.commit(), t.path(),
              e == null ? null : "a file, not a directory");
        }
      }
      HubMetadata.Page page = HubMetadata.tree(r.entries(), t.path(), t.recursive(), t.cursor(), HubMetadata.PAGE);
      return new Hub(new FileRequests.Listing(page.items().encode()), r.commit(), page.next());
    }
    HubRoute.Resolve f = (HubRoute.Resolve) route;
    HubRepos.Revision r = repos.forFile(f.repo(), f.revision());
    LocalChunkSource.Node node;
    try {
      node = tree.node(r.rel(f.path()));
    } catch (ShardlineException e) {
      if (e.code() == ErrorCode.NOT_FOUND) {
        throw HubException.entryNotFound(r.repo(), r.name(), r.commit(), f.path(), null);
      }
      throw e;
    }
    if (node.attrs().isDirectory()) {
      throw HubException.entryNotFound(r.repo(), r.name(), r.commit(), f.path(), "a directory, not a file");
    }
    return new Hub(files.file(node, conditions, range), r.commit(), null);
  }

  /** The error answer of a failed route, with the Hub's headers for the errors it names. */
  private void fail(HttpServerRequest req, Throwable t) {
    if (req.method() == HttpMethod.POST && !req.isEnded()) {
      req.response().putHeader(HttpHeaderNames.CONNECTION, "close"); // its body was not read
    }
    if (t instanceof HubException h) {
      if (h.hubCode() != null) {
        req.response().putHeader(X_ERROR_CODE, h.hubCode());
      }
      if (h.commit() != null) {
        req.response().putHeader(X_REPO_COMMIT, h.commit());
      }
    }
    files.failed(req, req.path().substring(1), t);
  }

  /** The URL of the next tree page: this request's, with the cursor. */
  private static String nextUrl(HttpServerRequest req, String cursor) {
    HostAndPort authority = req.authority();
    String at;
    if (authority != null) {
      at = authority.toString();
    } else {
      SocketAddress local = req.localAddress();
      at = (local.host().contains(":") ? "[" + local.host() + "]" : local.host()) + ":" + local.port();
    }
    QueryStringEncoder q = new QueryStringEncoder(req.path());
    String query = req.query();
    if (query != null) {
      new QueryStringDecoder(query, false).parameters().forEach((k, vs) -> {
        if (!k.equals("cursor")) {
          vs.forEach(v -> q.addParam(k, v));
        }
      });
    }
    q.addParam("cursor", cursor);
    return "https://" + at + q;
  }

  /**
   * Sets the Hub's error headers and type on {@code resp} and returns the body: {@code {"error":
   * MESSAGE}}. {@code X-Error-Message} holds the message in printable ASCII.
   */
  static byte[] errorBody(HttpServerResponse resp, String message) {
    resp.putHeader(HttpHeaderNames.CONTENT_TYPE, "application/json")
        .putHeader(X_ERROR_MESSAGE, message.replaceAll("[^\\x20-\\x7e]", "?"));
    return new JsonObject().put("error", message).encode().getBytes(StandardCharsets.UTF_8);
  }
}
