/**
 * Restoration of a merged model after its parameters are composed: batch-norm running statistics
 * recomputed on the public pool ({@link io.medvec.core.restore.BatchNormRestorer}) or mixed from
 * the hospitals' ({@link io.medvec.core.restore.BnStatsMixer}), then optional refits of the output
 * layer ({@link io.medvec.core.restore.OutputLayerRefit}) and output bias ({@link
 * io.medvec.core.restore.OutputBiasRefit}); {@link io.medvec.core.restore.Restoration} chains them
 * as configured.
 */
package io.medvec.core.restore;
