package io.medvec.core.store;

/**
 * The model card beside a merged model: {@code model-card.md} for people, {@code model-card.json}
 * for tools.
 */
public final class ModelCard {

  /** The card for tools. */
  public static final String JSON_FILE = "model-card.json";

  /** The card for people. */
  public static final String MARKDOWN_FILE = "model-card.md";

  private ModelCard() {}
}
