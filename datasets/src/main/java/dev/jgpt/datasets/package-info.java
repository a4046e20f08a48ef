/**
 * Data sources and pipelines for the book's three stages: pretraining text, spam classification
 * and instruction data. Filled in by the datasets work; the module exists so the build layout is
 * fixed from the start.
 */
package dev.jgpt.datasets;
