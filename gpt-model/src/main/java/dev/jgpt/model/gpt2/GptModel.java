package dev.jgpt.model.gpt2;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import dev.jgpt.model.nn.AbstractCausalLm;
import dev.jgpt.model.nn.CausalLms;
import dev.jgpt.model.nn.Dropouts;
import dev.jgpt.model.nn.Embedding;
import dev.jgpt.model.nn.ForwardPass;
import dev.jgpt.model.nn.ForwardState;
import dev.jgpt.model.nn.LayerNorm;
import dev.jgpt.model.nn.LoraTarget;
import dev.jgpt.model.nn.Linear;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The GPT-2 language model: token + position embeddings, dropout, {@code numLayers} transformer
 * blocks, a final layer norm and the output head (its own {@code (V, C)} matrix, or the token
 * embedding when tied).
 *
 * <p>Shapes: input ids {@code (B, T)} with {@code T <= contextLength}; output logits {@code (B,
 * T, V)}. Children are named as in GPT-2: {@code wte}, {@code wpe}, {@code h.0} .. {@code h.N-1},
 * {@code ln_f}, {@code lm_head}; {@link #namedParameters()} gives every parameter under its
 * checkpoint name.
 */
public final class GptModel extends AbstractCausalLm {

    private final GptConfig config;
    private final Embedding wte;
    private final Embedding wpe;
    private final List<TransformerBlock> blocks;
    private final LayerNorm lnF;
    private final Linear lmHead;

    /** Builds the blocks for {@code config}; no array is allocated until {@code initialize}. */
    public GptModel(GptConfig config) {
        this(config, true);
    }

    /**
     * Builds the blocks for {@code config}, without the untied output head when {@code
     * withLmHead} is false: a classifier or other new head reads {@link #hidden} instead, and the
     * {@code (V, C)} matrix (38.6M parameters at 124M) is never allocated.
     */
    public GptModel(GptConfig config, boolean withLmHead) {
        super(withLmHead);
        this.config = config;
        int c = config.embedDim();
        wte = addChildBlock("wte", new Embedding(config.vocabSize(), c));
        wpe = addChildBlock("wpe", new Embedding(config.contextLength(), c));
        List<TransformerBlock> list = new ArrayList<>(config.numLayers());
        for (int i = 0; i < config.numLayers(); i++) {
            list.add(addChildBlock("h." + i, new TransformerBlock(config)));
        }
        blocks = Collections.unmodifiableList(list);
        lnF = addChildBlock("ln_f", new LayerNorm(c, config.layerNormEps()));
        lmHead =
                config.tieEmbeddings() || !withLmHead
                        ? null
                        : addChildBlock("lm_head", new Linear(c, config.vocabSize(), false, 0.02f));
    }

    /** The configuration this model was built from. */
    @Override
    public GptConfig config() {
        return config;
    }

    /** The token embedding {@code (V, C)}. */
    public Embedding wte() {
        return wte;
    }

    /** The position embedding {@code (contextLength, C)}. */
    public Embedding wpe() {
        return wpe;
    }

    /** The transformer blocks, {@code h.0} first. */
    public List<TransformerBlock> blocks() {
        return blocks;
    }

    /** The final layer norm. */
    public LayerNorm lnF() {
        return lnF;
    }

    @Override
    public List<ai.djl.nn.Block> layers() {
        return List.copyOf(blocks);
    }

    @Override
    public ai.djl.nn.Block finalNorm() {
        return lnF;
    }

    /**
     * The untied output head {@code (V, C)}, or {@code null} when tied to {@link #wte()} or built
     * without a head.
     */
    public Linear lmHead() {
        return lmHead;
    }

    /** Initialises every parameter (normal 0.02 weights, GPT-2 style) on {@code manager}. */
    @Override
    public void initialize(NDManager manager) {
        initialize(manager, DataType.FLOAT32, new Shape(1, config.contextLength()));
    }

    /**
     * The final-norm hidden states, before the output head.
     *
     * @param ids token ids {@code (B, T)} following the tokens in {@code state}'s cache (if any)
     * @return {@code (B, T, C)}
     */
    @Override
    public NDArray hidden(ParameterStore ps, NDArray ids, ForwardState state) {
        int offset = state.cachedLength();
        int t = CausalLms.checkIds(ids.getShape(), offset, config.contextLength());
        boolean training = state.isTraining();
        NDArray positions =
                state.positions() != null ? state.positions() : ids.getManager().arange(offset, offset + t);
        NDArray x = wte.forward(ps, ids, training).add(wpe.forward(ps, positions, training));
        x = Dropouts.apply(x, config.dropRate(), training);
        ForwardPass pass = new ForwardPass(state, x); // the mask, once for every block
        for (int i = 0; i < blocks.size(); i++) {
            x = blocks.get(i).forward(ps, x, pass, i);
        }
        pass.finish();
        return lnF.forward(ps, x, training);
    }

    /**
     * Every parameter under its HuggingFace GPT-2 name ({@code wte.weight}, {@code
     * h.0.attn.c_attn.weight}, ..., {@code ln_f.bias}, and {@code lm_head.weight} when untied), in
     * model order.
     */
    @Override
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> map = new LinkedHashMap<>();
        map.put("wte.weight", wte.weight());
        map.put("wpe.weight", wpe.weight());
        for (int i = 0; i < blocks.size(); i++) {
            TransformerBlock b = blocks.get(i);
            String p = "h." + i + ".";
            map.put(p + "ln_1.weight", b.ln1().weight());
            map.put(p + "ln_1.bias", b.ln1().bias());
            CausalLms.putLinear(map, p + "attn.c_attn", b.attn().cAttn());
            CausalLms.putLinear(map, p + "attn.c_proj", b.attn().cProj());
            map.put(p + "ln_2.weight", b.ln2().weight());
            map.put(p + "ln_2.bias", b.ln2().bias());
            CausalLms.putLinear(map, p + "mlp.c_fc", b.mlp().cFc());
            CausalLms.putLinear(map, p + "mlp.c_proj", b.mlp().cProj());
        }
        map.put("ln_f.weight", lnF.weight());
        map.put("ln_f.bias", lnF.bias());
        if (lmHead != null) {
            map.put("lm_head.weight", lmHead.weight());
        }
        return map;
    }

    /** The four linear layers of each block: {@code h.i.attn.c_attn} (3 groups: q, k, v), {@code
     * h.i.attn.c_proj}, {@code h.i.mlp.c_fc}, {@code h.i.mlp.c_proj}. */
    @Override
    public Map<String, LoraTarget> loraTargets() {
        Map<String, LoraTarget> out = new LinkedHashMap<>();
        for (int i = 0; i < blocks.size(); i++) {
            TransformerBlock b = blocks.get(i);
            String p = "h." + i + ".";
            out.put(p + "attn.c_attn", new LoraTarget(b.attn().cAttn(), 3));
            out.put(p + "attn.c_proj", new LoraTarget(b.attn().cProj(), 1));
            out.put(p + "mlp.c_fc", new LoraTarget(b.mlp().cFc(), 1));
            out.put(p + "mlp.c_proj", new LoraTarget(b.mlp().cProj(), 1));
        }
        return out;
    }

    /** HF's GPT2LMHeadModel (and GPT2ForSequenceClassification) keeps the blocks under {@code transformer}. */
    @Override
    public String loraModulePath(String key) {
        return "transformer." + key;
    }

    /** HF GPT-2's layers are Conv1D, weight {@code (in, out)}. */
    @Override
    public boolean loraFanInFanOut() {
        return true;
    }

    /** Parameters counted from the built blocks' shapes; nothing needs to be allocated. */
    public long parameterCount() {
        long total = 0;
        for (Pair<String, Parameter> p : getParameters()) {
            total += p.getValue().getShape().size();
        }
        return total;
    }

    @Override
    protected Embedding tokenEmbedding() {
        return wte;
    }

    @Override
    protected Linear untiedHead() {
        return lmHead;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0].add(hasLmHead() ? config.vocabSize() : config.embedDim())};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... shapes) {
        Shape ids = shapes[0];
        Shape hidden = ids.add(config.embedDim());
        wte.initialize(manager, dataType, ids);
        wpe.initialize(manager, dataType, new Shape(ids.get(1)));
        for (TransformerBlock block : blocks) {
            block.initialize(manager, dataType, hidden);
        }
        lnF.initialize(manager, dataType, hidden);
        if (lmHead != null) {
            lmHead.initialize(manager, dataType, hidden);
        }
    }
}
