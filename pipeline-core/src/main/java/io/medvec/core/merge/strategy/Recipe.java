package io.medvec.core.merge.strategy;

/**
 * A strategy as three orthogonal pure steps applied per coordinate block: sparsify each vector,
 * filter each coordinate's K values by consensus, aggregate them into τ_mix.
 */
record Recipe(Sparsifier sparsifier, Consensus consensus, Aggregator aggregator) {}
