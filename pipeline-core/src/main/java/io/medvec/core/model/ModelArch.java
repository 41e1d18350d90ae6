package io.medvec.core.model;

/** The built-in architectures ({@code model.arch}). */
public enum ModelArch {
  /** The small CNN of {@link NetworkSpec} (a multi-layer network). */
  CNN,
  /** Basic residual blocks in the ResNet-18 layout ({@link ResNetSpec}, a graph). */
  RESNET,
  /** MobileNetV1's depthwise-separable blocks ({@link MobileNetSpec}, a graph). */
  MOBILENET
}
