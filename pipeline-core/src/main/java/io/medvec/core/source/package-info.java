/**
 * Image sources: where a hospital's or the coordinator's images come from, how they are decoded and
 * preprocessed, and how they reach training as bounded-memory minibatches.
 *
 * <p>One interface, {@link io.medvec.core.source.ImageSource} (class names, a listing of {@link
 * io.medvec.core.source.Example}s, and {@code open} streaming decoded images), with one
 * implementation per layout: {@link io.medvec.core.source.ImageFolderSource} ({@code
 * ROOT/SPLIT/CLASS/*} or {@code ROOT/CLASS/*}), {@link io.medvec.core.source.ManifestSource} (CSV
 * or Parquet with a path or an image-bytes column; also Spark's {@code binaryFile} table shape) and
 * {@link io.medvec.core.source.NpzSource} (a MedMNIST {@code .npz}). Every file is read through the
 * Hadoop {@code FileSystem}, so {@code file://}, {@code hdfs://} and {@code s3a://} behave alike.
 *
 * <p>{@link io.medvec.core.source.ImageDecoders} picks a decoder by file extension or magic bytes;
 * {@link io.medvec.core.source.Preprocessing} is the one typed declaration of resize, channels and
 * intensity scaling (with its canonical JSON and fingerprint); {@link
 * io.medvec.core.source.Augmentation} is the seeded training augmentation; {@link
 * io.medvec.core.source.SourceBatches} turns a source into DL4J minibatches without holding the
 * split in memory.
 */
package io.medvec.core.source;
