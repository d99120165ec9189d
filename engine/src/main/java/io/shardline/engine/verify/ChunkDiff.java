package io.shardline.engine.verify;

/** A differing chunk; a CRC is null where that side has no bytes there. */
public record ChunkDiff(int index, long start, long end, Integer crcA, Integer crcB) {}
