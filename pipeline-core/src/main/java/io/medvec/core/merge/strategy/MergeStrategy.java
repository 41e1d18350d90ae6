package io.medvec.core.merge.strategy;

import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A named way to merge K data vectors τ_1..τ_K into one delta τ_mix. Each strategy declares its
 * paper and its parameters and is assembled from pure pieces (sparsify × consensus × aggregate);
 * none does I/O, and all are deterministic for a given seed.
 *
 * <p>Every strategy returns a sum-like τ_mix (the scale of Σ τ_j; see the package documentation),
 * so θ = θ_pre + λ·τ_mix uses one λ grid for all of them. Look strategies up with {@link
 * MergeStrategies#get}; apply them with {@link StrategyMerge}.
 */
public abstract class MergeStrategy {

  private final String name;
  private final String paper;
  private final List<ParamSpec> parameters;

  MergeStrategy(String name, String paper, List<ParamSpec> parameters) {
    this.name = name;
    this.paper = paper;
    this.parameters = List.copyOf(parameters);
    Set<String> seen = new HashSet<>();
    for (ParamSpec p : this.parameters) {
      if (!seen.add(p.name())) {
        throw new IllegalStateException(
            "Cannot declare merge strategy " + name + ": parameter " + p.name() + " twice");
      }
    }
  }

  /** Registry name, kebab-case, as in {@code merge.strategy}. */
  public final String name() {
    return name;
  }

  /** The paper the strategy comes from (authors, year, title, arXiv id). */
  public final String paper() {
    return paper;
  }

  /** Declared parameters, in a fixed order. */
  public final List<ParamSpec> parameters() {
    return parameters;
  }

  /** The declared parameter called {@code parameterName}, if any. */
  public final Optional<ParamSpec> parameter(String parameterName) {
    return parameters.stream().filter(p -> p.name().equals(parameterName)).findFirst();
  }

  /** The pure pieces this strategy applies to {@code cohort} with {@code params}. */
  abstract Recipe recipe(Params params, Cohort cohort);

  @Override
  public String toString() {
    return name;
  }
}
