package io.shardline.gateway.config;

import io.shardline.engine.tls.Trust;
import io.shardline.engine.transfer.ShardlineUrl;
import java.nio.file.Path;

/**
 * A named source node. Jobs name it ({@code ckpt:models/llama}), so its address, trust and token
 * never travel in a job.
 *
 * @param tokenFile file holding the node's access token, or null for none
 * @param clientCert PEM client certificate for mutual TLS, or null
 * @param clientKey PEM private key of {@code clientCert}, or null
 */
public record Remote(String name, ShardlineUrl url, Trust trust, Path tokenFile, Path clientCert, Path clientKey) {}
