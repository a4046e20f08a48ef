package dev.jgpt.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.initializer.UniformInitializer;

/**
 * A low-rank update {@code ΔW = (alpha / rank) · B A} beside a frozen {@link Linear} (Hu et al.,
 * LoRA; the book's appendix E). {@code A} starts random and {@code B} at zero, so an adapter
 * changes nothing until it is trained.
 *
 * <p>A fused projection such as GPT-2's {@code c_attn} (query, key and value in one {@code (3C,
 * C)} matrix) takes {@code groups = 3}: one rank-{@code r} adapter per slice, exactly the book's
 * three adapters on separate {@code W_query}, {@code W_key}, {@code W_value}.
 *
 * <p>Shapes: {@code lora_A} {@code (groups·r, in)}, {@code lora_B} {@code (out, r)} where rows
 * {@code j·out/groups ..} of {@code B} pair with rows {@code j·r ..} of {@code A}; input {@code
 * (..., in)}, output {@code (..., out)}.
 */
public final class LoraAdapter extends UnaryBlock {

    private final int in;
    private final int out;
    private final int rank;
    private final int groups;
    private final float alpha;
    private final float scale;
    private final Parameter a;
    private final Parameter b;

    /**
     * @param in the wrapped layer's input features
     * @param out its output features (divisible by {@code groups})
     * @param rank the rank {@code r} of each update
     * @param alpha the scaling numerator: the update is multiplied by {@code alpha / rank}
     * @param groups independent adapters side by side along the output
     */
    public LoraAdapter(int in, int out, int rank, float alpha, int groups) {
        if (rank < 1 || groups < 1 || out % groups != 0) {
            throw new IllegalArgumentException("LoRA needs rank >= 1 and groups dividing " + out
                    + ", got rank " + rank + ", groups " + groups);
        }
        if (!(alpha > 0)) {
            throw new IllegalArgumentException("LoRA alpha must be > 0, got " + alpha);
        }
        this.in = in;
        this.out = out;
        this.rank = rank;
        this.groups = groups;
        this.alpha = alpha;
        this.scale = alpha / rank;
        // torch's kaiming_uniform_(a=sqrt(5)) on (r, in), as the book and peft initialise A
        float bound = (float) (1 / Math.sqrt(in));
        this.a = addParameter(Parameter.builder().setName("lora_A").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape((long) groups * rank, in))
                .optInitializer(new UniformInitializer(bound)).build());
        this.b = addParameter(Parameter.builder().setName("lora_B").setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(out, rank)).optInitializer(Initializer.ZEROS).build());
    }

    /** {@code lora_A}, {@code (groups·r, in)}. */
    public Parameter a() {
        return a;
    }

    /** {@code lora_B}, {@code (out, r)}. */
    public Parameter b() {
        return b;
    }

    /** The wrapped layer's input features. */
    public int in() {
        return in;
    }

    /** The wrapped layer's output features. */
    public int out() {
        return out;
    }

    /** How many independent updates sit side by side along the output (3 for a fused q, k, v). */
    public int groups() {
        return groups;
    }

    /** The rank of each update. */
    public int rank() {
        return rank;
    }

    /** The scaling numerator. */
    public float alpha() {
        return alpha;
    }

    /** The factor {@code alpha / rank}. */
    public float scale() {
        return scale;
    }

    /** The update {@code scale · x A^T B^T} for {@code x} of shape {@code (..., in)}. */
    @Override
    public NDArray forward(ParameterStore ps, NDArray x, boolean training) {
        NDArray wa = ps.getValue(a, x.getDevice(), training);
        NDArray wb = ps.getValue(b, x.getDevice(), training);
        Shape lead = x.getShape().slice(0, x.getShape().dimension() - 1);
        NDArray h = x.reshape(-1, in).matMul(wa.transpose()); // (N, g·r)
        NDArray y;
        if (groups == 1) {
            y = h.matMul(wb.transpose()); // (N, out)
        } else {
            NDArray hg = h.reshape(-1, groups, rank).transpose(1, 0, 2); // (g, N, r)
            NDArray bg = wb.reshape(groups, out / groups, rank).transpose(0, 2, 1); // (g, r, out/g)
            y = hg.matMul(bg).transpose(1, 0, 2).reshape(-1, out); // (N, out)
        }
        return Scalars.mul(y, scale).reshape(lead.add(out));
    }

    /** The dense update {@code scale · B A}, {@code (out, in)}, to merge into the weight. */
    public NDArray delta(NDArray weightA, NDArray weightB) {
        NDArray bg = weightB.reshape(groups, out / groups, rank); // (g, out/g, r)
        NDArray ag = weightA.reshape(groups, rank, in); // (g, r, in)
        return bg.matMul(ag).reshape(out, in).mul(scale);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        return new Shape[] {s.slice(0, s.dimension() - 1).add(out)};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        // no children
    }

    @Override
    public String toString() {
        return "LoraAdapter(rank " + rank + ", scale " + scale + (groups > 1 ? ", groups " + groups : "") + ")";
    }
}
