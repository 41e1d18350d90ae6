/**
 * Image datasets and their split across hospitals.
 *
 * <p>{@link io.medvec.core.data.NpzReader} reads MedMNIST {@code .npz} files into {@link
 * io.medvec.core.data.MedMnist} (three {@link io.medvec.core.data.ImageSet}s in NCHW float layout);
 * {@link io.medvec.core.data.MedMnistDownloader} fetches and MD5-checks the official files; {@link
 * io.medvec.core.data.HospitalPartitioner} deals the training images into a stratified public pool
 * and K hospitals (IID or Dirichlet label skew).
 */
package io.medvec.core.data;
