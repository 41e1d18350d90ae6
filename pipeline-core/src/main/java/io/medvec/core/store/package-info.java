/**
 * Where each stage's artifacts live under the output root and how they are written and read: the
 * layout ({@link io.medvec.core.store.OutputLayout}), θ_pre by fingerprint ({@link
 * io.medvec.core.store.BaseModelStore}), a run's hospital assignment ({@link
 * io.medvec.core.store.AssignmentStore}), its merged and control models ({@link
 * io.medvec.core.store.MergedModelStore}, {@link io.medvec.core.store.MergeManifest}) and the
 * metrics table's columns ({@link io.medvec.core.store.MetricsTable}). Data vectors have their own
 * store ({@link io.medvec.core.vector.VectorStore}). Every job reads another stage's outputs
 * through these classes, never through that stage's job.
 */
package io.medvec.core.store;
