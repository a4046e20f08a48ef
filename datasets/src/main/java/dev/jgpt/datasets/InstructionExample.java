package dev.jgpt.datasets;

/**
 * One instruction-following example.
 *
 * @param instruction what to do
 * @param input optional input to do it on ({@code ""} when there is none)
 * @param output the desired response
 */
public record InstructionExample(String instruction, String input, String output) {}
