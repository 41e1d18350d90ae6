package io.medvec.jobs.spark;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/** A serializable copy of the driver's Hadoop configuration, so tasks see the same file systems. */
public final class HadoopConf implements Serializable {

  private static final long serialVersionUID = 1L;

  private final HashMap<String, String> entries = new HashMap<>();

  public HadoopConf(Configuration conf) {
    for (Map.Entry<String, String> e : conf) {
      entries.put(e.getKey(), e.getValue());
    }
  }

  public Configuration get() {
    Configuration conf = new Configuration(false);
    entries.forEach(conf::set);
    return conf;
  }
}
