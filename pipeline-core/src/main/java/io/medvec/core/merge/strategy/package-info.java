/**
 * Pluggable, pure merge strategies for data vectors and the streaming driver that applies one to
 * stored vectors.
 *
 * <p>Callers use {@link io.medvec.core.merge.strategy.MergeStrategies#get} to find a strategy by
 * name, {@link io.medvec.core.merge.strategy.Params#parse} to check its parameters, and {@link
 * io.medvec.core.merge.strategy.StrategyMerge} to compute the merged delta τ_mix; the job then
 * builds θ = θ_pre + λ·τ_mix.
 *
 * <p><b>Scale convention.</b> Every strategy returns a <em>sum-like</em> τ_mix: it has the scale of
 * task arithmetic's Σ_j τ_j. Strategies that naturally produce a mean (TIES' disjoint mean, median,
 * trimmed mean) multiply it by K, the number of vectors. So one λ grid serves all of them: λ = 1/K
 * is "the average" for every strategy (for TIES it is the paper's λ = 1), λ = 1 is the full sum.
 *
 * <p>Composite strategies are built from three orthogonal pure pieces applied per chunk: a {@code
 * Sparsifier} (magnitude trim, random drop), a {@code Consensus} (none, sign election) and an
 * {@code Aggregator} (weighted sum, disjoint mean, median, trimmed mean).
 */
package io.medvec.core.merge.strategy;
