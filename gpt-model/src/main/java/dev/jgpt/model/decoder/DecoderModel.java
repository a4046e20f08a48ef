package dev.jgpt.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.jgpt.model.nn.AbstractCausalLm;
import dev.jgpt.model.nn.CausalLms;
import dev.jgpt.model.nn.Embedding;
import dev.jgpt.model.nn.ForwardPass;
import dev.jgpt.model.nn.ForwardState;
import dev.jgpt.model.nn.Linear;
import dev.jgpt.model.nn.LoraTarget;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Llama-style decoder (Llama 3.2, Qwen3): token embedding, {@code numLayers} {@link
 * DecoderBlock}s with rotary positions (no position embedding), a final RMSNorm and the output
 * head (the embedding when tied). The rotary angles are computed once per forward for every block.
 *
 * <p>Shapes: ids {@code (B, T)} -> logits {@code (B, T, V)}. {@link #namedParameters()} gives
 * every weight under its HuggingFace name ({@code model.embed_tokens.weight}, {@code
 * model.layers.0.self_attn.q_proj.weight}, ..., {@code model.norm.weight}, {@code lm_head.weight}
 * when untied).
 */
public final class DecoderModel extends AbstractCausalLm {

    private final DecoderConfig config;
    private final Embedding embed;
    private final List<DecoderBlock> blocks;
    private final RmsNorm norm;
    private final Linear lmHead;
    private final RotaryEmbedding rotary;

    /** The blocks for {@code config} (with the output head unless {@code withLmHead} is false). */
    public DecoderModel(DecoderConfig config, boolean withLmHead) {
        super(withLmHead);
        this.config = config;
        embed = addChildBlock("embed_tokens", new Embedding(config.vocabSize(), config.hiddenSize()));
        List<DecoderBlock> list = new ArrayList<>(config.numLayers());
        for (int i = 0; i < config.numLayers(); i++) {
            list.add(addChildBlock("layers." + i, new DecoderBlock(config)));
        }
        blocks = List.copyOf(list);
        norm = addChildBlock("norm", new RmsNorm(config.hiddenSize(), config.rmsNormEps()));
        lmHead = config.tieEmbeddings() || !withLmHead ? null
                : addChildBlock("lm_head", new Linear(config.hiddenSize(), config.vocabSize(), false,
                        config.initializerRange()));
        rotary = new RotaryEmbedding(config.headDim(), config.ropeTheta(), config.ropeScaling());
    }

    @Override
    public DecoderConfig config() {
        return config;
    }

    /** The decoder blocks, the first first. */
    public List<DecoderBlock> blocks() {
        return blocks;
    }

    @Override
    public List<Block> layers() {
        return List.copyOf(blocks);
    }

    @Override
    public Block finalNorm() {
        return norm;
    }

    @Override
    public void initialize(NDManager manager) {
        initialize(manager, DataType.FLOAT32, new Shape(1, Math.min(config.contextLength(), 8)));
    }

    @Override
    public NDArray hidden(ParameterStore ps, NDArray ids, ForwardState state) {
        int offset = state.cachedLength();
        int t = CausalLms.checkIds(ids.getShape(), offset, config.contextLength());
        boolean training = state.isTraining();
        NDArray x = embed.forward(ps, ids, training);
        NDArray[] cosSin = rotary.cosSin(ids.getManager(), offset, t, state.positions()); // once for all blocks
        ForwardPass pass = new ForwardPass(state, x);
        for (int i = 0; i < blocks.size(); i++) {
            x = blocks.get(i).forward(ps, x, pass, i, cosSin);
        }
        pass.finish();
        return norm.forward(ps, x, training);
    }

    @Override
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> map = new LinkedHashMap<>();
        map.put("model.embed_tokens.weight", embed.weight());
        for (int i = 0; i < blocks.size(); i++) {
            DecoderBlock b = blocks.get(i);
            String p = "model.layers." + i + ".";
            map.put(p + "input_layernorm.weight", b.inputNorm().weight());
            GroupedQueryAttention a = b.attention();
            CausalLms.putLinear(map, p + "self_attn.q_proj", a.q());
            CausalLms.putLinear(map, p + "self_attn.k_proj", a.k());
            CausalLms.putLinear(map, p + "self_attn.v_proj", a.v());
            CausalLms.putLinear(map, p + "self_attn.o_proj", a.o());
            if (a.qNorm() != null) {
                map.put(p + "self_attn.q_norm.weight", a.qNorm().weight());
                map.put(p + "self_attn.k_norm.weight", a.kNorm().weight());
            }
            map.put(p + "post_attention_layernorm.weight", b.postAttentionNorm().weight());
            CausalLms.putLinear(map, p + "mlp.gate_proj", b.mlp().gate());
            CausalLms.putLinear(map, p + "mlp.up_proj", b.mlp().up());
            CausalLms.putLinear(map, p + "mlp.down_proj", b.mlp().down());
        }
        map.put("model.norm.weight", norm.weight());
        if (lmHead != null) {
            map.put("lm_head.weight", lmHead.weight());
        }
        return map;
    }

    /** The seven projections of each block, under peft's module names ({@code q_proj}, ...). */
    @Override
    public Map<String, LoraTarget> loraTargets() {
        Map<String, LoraTarget> out = new LinkedHashMap<>();
        for (int i = 0; i < blocks.size(); i++) {
            DecoderBlock b = blocks.get(i);
            String p = "model.layers." + i + ".";
            out.put(p + "self_attn.q_proj", new LoraTarget(b.attention().q(), 1));
            out.put(p + "self_attn.k_proj", new LoraTarget(b.attention().k(), 1));
            out.put(p + "self_attn.v_proj", new LoraTarget(b.attention().v(), 1));
            out.put(p + "self_attn.o_proj", new LoraTarget(b.attention().o(), 1));
            out.put(p + "mlp.gate_proj", new LoraTarget(b.mlp().gate(), 1));
            out.put(p + "mlp.up_proj", new LoraTarget(b.mlp().up(), 1));
            out.put(p + "mlp.down_proj", new LoraTarget(b.mlp().down(), 1));
        }
        return out;
    }

    @Override
    protected Embedding tokenEmbedding() {
        return embed;
    }

    @Override
    protected Linear untiedHead() {
        return lmHead;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].add(hasLmHead() ? config.vocabSize() : config.hiddenSize())};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        Shape ids = shapes[0];
        Shape hidden = ids.add(config.hiddenSize());
        embed.initialize(manager, dataType, ids);
        for (DecoderBlock b : blocks) {
            b.initialize(manager, dataType, hidden);
        }
        norm.initialize(manager, dataType, hidden);
        if (lmHead != null) {
            lmHead.initialize(manager, dataType, hidden);
        }
    }
}
