/** medvec core: engine-free data vectors, merges, models, formats and metrics. */
package io.medvec.core;
