// Runs the real @huggingface/hub client against a node's Hub layout (HubLayoutTest) and prints
// what it got as one JSON object, in OUT/result.json (the client logs to stdout). Arguments: the
// client's install prefix, the node's URL (the client's hubUrl), the token, a folder OUT for
// downloaded files and the client's cache (OUT/cache). The node's certificate is trusted
// through NODE_EXTRA_CA_CERTS. Every call either yields its result or records its error; the
// Java test decides what is right.
"use strict";
const { createRequire } = require("node:module");
const { createHash } = require("node:crypto");
const { createWriteStream, writeFileSync } = require("node:fs");
const { join } = require("node:path");
const { Readable, Transform } = require("node:stream");
const { pipeline } = require("node:stream/promises");

const [prefix, hubUrl, accessToken, out] = process.argv.slice(2);
const hub = createRequire(join(prefix, "package.json"))("@huggingface/hub");

/** Downloads with downloadFile into out/name; resolves to {size, sha256} or null (not found). */
async function download(params, name) {
  const blob = await hub.downloadFile({ hubUrl, accessToken, ...params });
  if (blob === null) {
    return null;
  }
  const hash = createHash("sha256");
  let size = 0;
  const count = new Transform({
    transform(chunk, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(blob.stream()), count, createWriteStream(join(out, name)));
  return { size, blobSize: blob.size, sha256: hash.digest("hex") };
}

async function list(params) {
  const entries = [];
  for await (const e of hub.listFiles({ hubUrl, accessToken, ...params })) {
    entries.push({ type: e.type, path: e.path, size: e.size, oid: e.oid });
  }
  return entries;
}

/** A call's result, or its error as {error: {status, message}}. */
async function attempt(f) {
  try {
    const v = await f();
    return v === undefined ? null : v;
  } catch (e) {
    return { error: { status: e.statusCode ?? null, message: String(e.message) } };
  }
}

(async () => {
  const r = {};
  const bert = "acme/bert-tiny";
  r.treeRecursive = await attempt(() => list({ repo: bert, recursive: true }));
  r.treeTop = await attempt(() => list({ repo: bert }));
  r.treeSub = await attempt(() => list({ repo: bert, path: "sub", recursive: true }));
  r.treeMany = await attempt(async () => (await list({ repo: "acme/many", recursive: true })).map((e) => e.path));
  r.model = await attempt(() => hub.modelInfo({ hubUrl, accessToken, name: bert, additionalFields: ["sha", "filePaths"] }));
  r.info = await attempt(() => hub.fileDownloadInfo({ hubUrl, accessToken, repo: bert, path: "model.safetensors" }));
  r.big = await attempt(() => download({ repo: bert, path: "model.safetensors" }, "model.safetensors"));
  r.vocab = await attempt(() => download({ repo: bert, path: "sub/dir/vocab.txt" }, "vocab.txt"));
  r.v1 = await attempt(() => download({ repo: bert, path: "config.json", revision: "v1" }, "config-v1.json"));
  const sha = r.model && r.model.sha;
  r.atCommit = await attempt(() => download({ repo: bert, path: "config.json", revision: sha }, "config-sha.json"));
  r.treeAtCommit = await attempt(async () => (await list({ repo: bert, recursive: true, revision: sha })).length);
  r.oneSegment = await attempt(() => download({ repo: "gpt2", path: "config.json" }, "gpt2-config.json"));
  r.linked = await attempt(() => hub.modelInfo({ hubUrl, accessToken, name: "acme/linked", additionalFields: ["sha"] }));
  r.missingFile = await attempt(() => hub.fileDownloadInfo({ hubUrl, accessToken, repo: bert, path: "nope.bin" }));
  r.missingRepo = await attempt(() => download({ repo: "acme/nope", path: "config.json" }, "x"));
  r.missingRevision = await attempt(() => download({ repo: bert, path: "config.json", revision: "v9" }, "x"));
  r.escape = await attempt(() => download({ repo: bert, path: "escape" }, "escape"));
  r.wrongToken = await attempt(() => hub.downloadFile({ hubUrl, accessToken: "hf_wrong", repo: bert, path: "config.json" }));
  const cacheDir = join(out, "cache");
  r.snapshot = await attempt(() => hub.snapshotDownload({ hubUrl, accessToken, repo: bert, cacheDir }));
  r.cached = await attempt(() => hub.downloadFileToCacheDir({ hubUrl, accessToken, repo: "gpt2", path: "config.json", cacheDir }));
  writeFileSync(join(out, "result.json"), JSON.stringify(r) + "\n");
})().catch((e) => {
  process.stderr.write("hub-client.cjs failed: " + (e && e.stack ? e.stack : e) + "\n");
  process.exit(1);
});
