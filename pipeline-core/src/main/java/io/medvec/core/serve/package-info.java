/**
 * Using a merged model outside the pipeline: {@link io.medvec.core.serve.MergedModel} loads a
 * merged model directory with its classes and preprocessing and scores images, for a hospital's JVM
 * service and for the predict job.
 */
package io.medvec.core.serve;
