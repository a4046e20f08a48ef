/**
 * Pretraining and fine-tuning on DJL's {@code Trainer}. Engine-agnostic: this module compiles
 * against {@code ai.djl:api} only, which {@code EngineAgnosticTest} enforces.
 */
package dev.jgpt.training;
