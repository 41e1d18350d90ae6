/** Differential privacy for released data vectors: clipping, Gaussian noise, RDP accounting. */
package io.medvec.core.privacy;
