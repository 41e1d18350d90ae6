package io.medvec.jobs.spark;

import io.medvec.core.source.Preprocessing;
import io.medvec.core.source.SourceConfig;
import java.io.Serializable;

/**
 * What a task needs to load its images: the source's location, its {@code data.*} settings and the
 * preprocessing to apply (the base model's; null: resolved from the config and the data, as the
 * partition and pretrain jobs do).
 */
public record DataSpec(String path, SourceConfig source, Preprocessing preprocessing)
    implements Serializable {}
