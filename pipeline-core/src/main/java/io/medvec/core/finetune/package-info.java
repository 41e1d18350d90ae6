/**
 * A hospital's side of the protocol after it has fine-tuned θ_pre: the data vector it publishes,
 * its differentially private release and its release history ({@link
 * io.medvec.core.finetune.VectorRelease}).
 */
package io.medvec.core.finetune;
