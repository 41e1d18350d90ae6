/**
 * Engine-free file formats on any Hadoop file system: float vectors as chunked Parquet ({@link
 * io.medvec.core.io.FloatChunkFile}), small typed Parquet tables ({@link
 * io.medvec.core.io.SimpleParquet}), directories that appear only when complete ({@link
 * io.medvec.core.io.AtomicDir}), one writer per directory ({@link io.medvec.core.io.WriterLease})
 * and small-file helpers ({@link io.medvec.core.io.HadoopFiles}).
 */
package io.medvec.core.io;
