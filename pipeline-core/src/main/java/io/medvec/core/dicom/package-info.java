/**
 * DICOM Part 10 decoding: {@link io.medvec.core.dicom.DicomDecoder} streams one file into a {@link
 * io.medvec.core.dicom.DicomImage} (stored, modality and windowed values) or refuses it with a
 * {@link io.medvec.core.dicom.DicomException} naming the file and the reason. Native, deflated and
 * RLE pixel data are decoded here; JPEG (baseline, lossless) and JPEG 2000 through ImageIO plugins.
 * See {@code docs/dicom.md}.
 */
package io.medvec.core.dicom;
