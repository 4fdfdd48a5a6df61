package io.gpufleet.exporter.source;

/** A compute process running on a GPU, with the GPU memory it holds ({@code -1} when NVML cannot tell). */
public record ProcessReading(long pid, long usedMemoryBytes) {}
