package dev.jgpt.examples.docs;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.nn.Parameter;
import ai.djl.repository.zoo.ZooModel;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import dev.jgpt.datasets.ClassificationDataset;
import dev.jgpt.datasets.DataResolver;
import dev.jgpt.datasets.InstructionData;
import dev.jgpt.datasets.InstructionExample;
import dev.jgpt.datasets.LabeledText;
import dev.jgpt.datasets.SlidingWindowDataset;
import dev.jgpt.datasets.SpamData;
import dev.jgpt.datasets.Splits;
import dev.jgpt.model.LanguageModel;
import dev.jgpt.model.TextClassifier;
import dev.jgpt.model.checkpoint.Checkpoints;
import dev.jgpt.model.checkpoint.ModelFamilies;
import dev.jgpt.model.nn.CausalLm;
import dev.jgpt.model.nn.ModelConfig;
import dev.jgpt.model.nn.ModelFamily;
import dev.jgpt.model.generate.ChatFormat;
import dev.jgpt.model.generate.ChatSession;
import dev.jgpt.model.generate.ContinuousBatcher;
import dev.jgpt.model.generate.GenerationConfig;
import dev.jgpt.model.generate.Generator;
import dev.jgpt.model.hub.HubClient;
import dev.jgpt.model.hub.HubReference;
import dev.jgpt.model.io.SafeTensorsWriter;
import dev.jgpt.model.generate.GenerationCriteria;
import dev.jgpt.model.generate.SamplingConfig;
import dev.jgpt.model.generate.TextGenerator;
import dev.jgpt.model.gpt2.GptConfig;
import dev.jgpt.model.lora.LoraConfig;
import dev.jgpt.model.tokenizer.ChatMessage;
import dev.jgpt.model.tokenizer.ChatTemplate;
import dev.jgpt.model.tokenizer.Tokenizer;
import dev.jgpt.model.tokenizer.Tokenizers;
import dev.jgpt.training.ClassifierConfig;
import dev.jgpt.training.ClassifierFineTuner;
import dev.jgpt.training.InstructionFineTuner;
import dev.jgpt.training.InstructionFormat;
import dev.jgpt.training.InstructionResponses;
import dev.jgpt.training.PretrainConfig;
import dev.jgpt.training.TextOverlap;
import dev.jgpt.examples.spark.ClassifyJob;
import dev.jgpt.examples.spark.GenerateJob;
import dev.jgpt.examples.spark.ModelLocation;
import dev.jgpt.examples.spark.TokenizeJob;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The code the documentation shows, compiled here so it cannot drift from the library: each
 * region between {@code // snippet:NAME} and {@code // end-snippet} is, line for line, the java
 * block that follows {@code <!-- snippet:NAME -->} in README.md or docs/ ({@code
 * DocSnippetsTest} compares them, and runs the quick ones on the test fixture).
 */
@SuppressWarnings("unused") // the snippets' results are for the reader
final class DocSnippets {

    private DocSnippets() {}

    static void readme(Path gpt2) {
        // snippet:readme
        // gpt2: OpenAI's GPT-2 124M from https://huggingface.co/openai-community/gpt2 (config.json +
        // model.safetensors), or any folder in that layout, such as a jgpt checkpoint
        try (LanguageModel lm = LanguageModel.load(gpt2);                // the family from config.json
                Tokenizer tokenizer = Tokenizers.forModel(gpt2)) {        // the folder's, else GPT-2's
            SamplingConfig sampling = SamplingConfig.greedy(50)          // max new tokens
                    .withSampling(1.0f, 50, 0.95f, 123)                   // temperature, top-k, top-p, seed
                    .withEndIdsOf(tokenizer);                             // stop at any of the model's end ids
            String text = new TextGenerator(lm, tokenizer)
                    .generate("Every effort moves you", sampling, System.out::print); // streams
        }
        // end-snippet
    }

    static void families(Path gpt2) {
        // snippet:families
        ModelConfig config = Checkpoints.readConfig(gpt2);     // by model_type; unknown: one error naming the known
        ModelFamily family = ModelFamilies.of(config);         // gpt2 today; ModelFamilies.register adds one
        System.out.printf("%s: %,d parameters, %d layers%n", config.modelType(), config.parameterCount(),
                config.numLayers());
        try (LanguageModel lm = LanguageModel.load(gpt2)) {    // the same registry picks the blocks
            CausalLm model = lm.block();                       // what Generator, trainers and LoRA take
            Map<String, Parameter> weights = model.namedParameters(); // HuggingFace names: "wte.weight", ...
        }
        // end-snippet
    }

    static String chatTemplate(Path qwen3) throws Exception {
        // snippet:chat-template
        // qwen3: a model folder with a chat template, e.g. Path.of("Qwen3-0.6B")
        ChatTemplate template = ChatTemplate.read(qwen3).orElseThrow();   // empty: the folder has none
        String prompt = template.render(
                List.of(new ChatMessage("system", "You are concise."), ChatMessage.user("Name a colour.")),
                true,                                                      // add_generation_prompt
                Map.of("enable_thinking", false));                         // template arguments
        try (Tokenizer tokenizer = Tokenizers.forModel(qwen3)) {
            long[] ids = tokenizer.encode(prompt);                         // adds nothing: the text has it all
        }
        // end-snippet
        return prompt;
    }

    static void hub() {
        // snippet:hub
        // downloads once into the HuggingFace cache (HF_HUB_CACHE / HF_HOME, HF_TOKEN, HF_HUB_OFFLINE)
        HubClient hub = HubClient.fromEnvironment(null);                       // or a Progress for a bar
        Path qwen3 = hub.model(HubReference.parse("Qwen/Qwen3-0.6B").orElseThrow());
        try (LanguageModel lm = LanguageModel.load(qwen3); Tokenizer tokenizer = Tokenizers.forModel(qwen3)) {
            ChatSession chat = new ChatSession(new TextGenerator(lm, tokenizer), tokenizer,
                    ChatFormat.forModel(qwen3), lm.config().contextLength(), Map.of("enable_thinking", false), null);
            SamplingConfig sampling = GenerationConfig.read(qwen3).sampling(200, null, null, null, 42)
                    .withEndIdsOf(tokenizer);                                  // the folder's recommended sampling
            chat.reply("Name a colour.", sampling, System.out::print);        // the template renders every turn
            chat.reply("Another one?", sampling, System.out::print);          // the conversation is kept
            lm.saveHuggingFace(Path.of("qwen3-copy"), tokenizer, SafeTensorsWriter.DType.BF16,
                    SafeTensorsWriter.DEFAULT_MAX_SHARD_BYTES);                // a HF folder transformers loads
        }
        // end-snippet
    }

    static void generation(Path gpt2, Path runs) throws Exception {
        // snippet:generation
        // gpt2: a HuggingFace GPT-2 folder or a jgpt checkpoint, e.g. Path.of("gpt2")
        try (LanguageModel lm = LanguageModel.load(gpt2);
                Tokenizer tokenizer = Tokenizers.forModel(gpt2)) {
            SamplingConfig sampling = SamplingConfig.greedy(50)          // max new tokens
                    .withSampling(1.0f, 50, 0.95f, 123)                   // temperature, top-k, top-p, seed
                    .withEndIdsOf(tokenizer);                             // every end id the tokenizer has
            long[] next = new Generator(lm).greedy(tokenizer.encode("Every effort moves you"), 20);
            String text = new TextGenerator(lm, tokenizer)
                    .generate("Every effort moves you", sampling, System.out::print); // streams
            long[][] batch = new Generator(lm).generateBatch(new long[][] {{6109, 3626}, {15496}}, sampling);
            // text, why it ended (STOP or LENGTH) and token counts; cut at the first stop sequence
            TextGenerator.Completion c = new TextGenerator(lm, tokenizer)
                    .complete(tokenizer.encode("Every effort moves you"), sampling, List.of("\n\n"), null);
        }

        // The DJL way: Criteria -> ZooModel -> Predictor<String, String>, with the folder's tokenizer
        // and its end ids (textGeneration(dir, sampling, tokenizer) to choose them)
        try (ZooModel<String, String> model = GenerationCriteria.textGeneration(gpt2, SamplingConfig.greedy(50))
                        .loadModel();
                Predictor<String, String> predictor = model.newPredictor()) {
            String continuation = predictor.predict("Every effort moves you");
        }

        // A fresh model from a preset, saved and loaded as a jgpt checkpoint:
        try (LanguageModel lm = LanguageModel.create(GptConfig.preset("tiny"), Device.cpu(), 42)) {
            lm.save(runs.resolve("ckpt"));
        }
        try (LanguageModel again = LanguageModel.load(runs.resolve("ckpt"))) {
            System.out.println(again.config());
        }
        // end-snippet
    }

    static List<String> batching(Path gpt2) throws Exception {
        // snippet:batching
        // one decode loop for every thread: all running sequences advance in one forward pass per step
        try (LanguageModel lm = LanguageModel.load(gpt2);
                Tokenizer tokenizer = Tokenizers.forModel(gpt2);
                ContinuousBatcher batcher = new ContinuousBatcher(lm, 8, 256)) { // rows, prompt tokens per step
            SamplingConfig greedy = SamplingConfig.greedy(20).withEndIdsOf(tokenizer);
            ContinuousBatcher.Sequence a = batcher.submit(tokenizer.encode("Every effort moves you"), greedy);
            ContinuousBatcher.Sequence b = batcher.submit(tokenizer.encode("The quick brown fox"),
                    greedy.withSampling(0.8f, 40, 1f, 7));                // its own sampling and seed
            String first = tokenizer.decode(a.await(id -> true));          // token by token, here; false cancels
            String second = tokenizer.decode(b.await(null));
            // a TokenSource as Generator is: text, stop sequences and streaming from any thread
            TextGenerator.Completion c = new TextGenerator(batcher, tokenizer).complete(
                    tokenizer.encode("Once upon a time"), greedy, List.of("\n\n"), piece -> true);
            System.out.println(batcher.stats() + ", cache at most " + batcher.cacheBytesBound() + " bytes");
            return List.of(first, second, c.text());
        }
        // end-snippet
    }

    static void spark(SparkSession spark, Path model, Path classifier, Path out) {
        // snippet:spark
        // your session, your table: each job adds its columns, and each executor JVM loads the model once
        Dataset<Row> tickets = spark.read().parquet(out.resolve("tickets.parquet").toString());
        GenerateJob answer = new GenerateJob(spark, GenerateJob.Settings.of(ModelLocation.of(model.toString()))
                .withPromptColumn("question").withMaxNewTokens(64).withSampling(0.7f, 40, null, 1234));
        answer.apply(tickets).write().parquet(out.resolve("answers.parquet").toString()); // + completion, error, ...
        System.out.println(answer.summary().describe()); // rows, errors, tokens, model loads per executor

        ClassifyJob triage = new ClassifyJob(spark, ClassifyJob.Settings.of(ModelLocation.ship(spark, classifier))
                .withTextColumn("question"));                   // shipped: the executors need not see the folder
        Dataset<Row> labelled = triage.apply(tickets).filter("error IS NULL"); // + label, probability

        TokenizeJob.Result shards = new TokenizeJob(spark, TokenizeJob.Settings.of(ModelLocation.of(model.toString())))
                .tokenize(tickets.select("question"), "question", out.resolve("shards")); // jgpt pretrain --data it
        // end-snippet
    }

    static void pretraining(Path runs) throws Exception {
        // snippet:pretraining
        // the book's chapter 5 settings, each named; only what differs is set
        PretrainConfig cfg = PretrainConfig.builder().epochs(10).contextLength(256)
                .warmup(20, 1e-5f).gradClip(1.0).sample("Every effort moves you", 50).build();
        PretrainConfig sameAsTheBook = PretrainConfig.book();
        // end-snippet
    }

    static void datasets() throws Exception {
        // snippet:datasets
        Path verdict = DataResolver.fromEnvironment().resolve("the-verdict"); // bundled in the jar: no download
        try (Tokenizer tokenizer = Tokenizers.forModel(null)) {                 // GPT-2's built-in tokenizer
            SlidingWindowDataset windows = SlidingWindowDataset.builder().setTextFile(verdict, tokenizer)
                    .setMaxLength(256).setStride(256).setSampling(2, true).build(); // the book's 9 batches of (2, 256)
        }
        // end-snippet
    }

    static void classifier(Path gpt2, Path runs) throws Exception {
        // snippet:classifier
        Splits<LabeledText> spam = SpamData.load(DataResolver.fromEnvironment().resolve("spam"), 123); // bundled
        try (TextClassifier c = TextClassifier.fromLanguageModel(gpt2, List.of("not spam", "spam"), 120,
                Device.cpu(), 123)) {
            ClassificationDataset train = ClassificationDataset.builder().setTexts(spam.train(), c.tokenizer())
                    .setSampling(8, false).optMaxLength(c.maxLength()).build();
            ClassificationDataset validation = ClassificationDataset.builder()
                    .setTexts(spam.validation(), c.tokenizer()).setSampling(8, false).optMaxLength(c.maxLength())
                    .build();
            ClassificationDataset test = ClassificationDataset.builder().setTexts(spam.test(), c.tokenizer())
                    .setSampling(8, false).optMaxLength(c.maxLength()).build();
            ClassifierConfig cfg = ClassifierConfig.builder().trainableBlocks(1).build(); // = ClassifierConfig.book()
            ClassifierFineTuner.Result r = new ClassifierFineTuner(cfg, runs.resolve("spam"), null)
                    .train(c, train, validation, test, null);
            TextClassifier.Prediction p = c.classify("You are a winner ...");   // label, probability
            Path saved = r.model();            // runs/spam/classifier: weights, labels, tokenizer
            try (TextClassifier again = TextClassifier.load(saved, Device.cpu())) { // what 'jgpt classify' reads
                again.classify("You are a winner ...");
            }
        }
        // end-snippet
    }

    static void instruct(Path gpt2Medium, Path runs) throws Exception {
        // snippet:instruct
        Splits<InstructionExample> data = InstructionData.split(
                InstructionData.parse(DataResolver.fromEnvironment().resolve("instructions"))); // bundled
        try (LanguageModel lm = LanguageModel.load(gpt2Medium);
                Tokenizer tokenizer = Tokenizers.forModel(gpt2Medium)) {
            PretrainConfig cfg = InstructionFineTuner.book(lm.config().contextLength(), data.validation().get(0));
            InstructionFineTuner tuner = new InstructionFineTuner(cfg, false, new LoraConfig(16, 16), tokenizer,
                    runs.resolve("instruct"), null);                          // or lora = null: every weight
            tuner.train(lm, data.train(), data.validation(), null);
            InstructionFineTuner.SavedModel saved = tuner.save(lm); // adapters/, then merged: model/ + prompt format
            List<InstructionResponses.Response> answers =
                    InstructionResponses.generate(lm, tokenizer, data.test(), 256, null);
            TextOverlap.Summary offline = TextOverlap.summarize(answers);
        }
        // end-snippet
    }

    static void instructChat(Path qwen3, Path runs) throws Exception {
        // snippet:instruct-chat
        Splits<InstructionExample> data = InstructionData.split(
                InstructionData.parse(DataResolver.fromEnvironment().resolve("instructions")));
        try (LanguageModel lm = LanguageModel.load(qwen3);          // e.g. Qwen/Qwen3-0.6B's snapshot
                Tokenizer tokenizer = Tokenizers.forModel(qwen3)) {
            InstructionFormat chat = InstructionFormat.chat(ChatFormat.forModel(qwen3), null, Map.of());
            PretrainConfig cfg = InstructionFineTuner.bookSettings().contextLength(1024)
                    .sample(chat.prompt(data.validation().get(0)), 35).build();
            LoraConfig lora = new LoraConfig(16, 32, List.of("q_proj", "k_proj", "v_proj", "o_proj"));
            InstructionFineTuner tuner = new InstructionFineTuner(cfg, chat, lora, tokenizer,
                    runs.resolve("qwen3-instruct"), null);
            tuner.train(lm, data.train(), data.validation(), null); // loss on the assistant's tokens only
            InstructionFineTuner.SavedModel saved = tuner.save(lm); // adapters/ (peft), model/ + its template
            List<InstructionResponses.Response> answers =
                    InstructionResponses.generate(lm, tokenizer, chat, data.test(), 256, null);
        }
        // end-snippet
    }

    static void openAiClient() {
        // snippet:openai-client
        OpenAIClient client = OpenAIOkHttpClient.builder()          // com.openai:openai-java, unmodified
                .baseUrl("http://127.0.0.1:8080/v1").apiKey("unused").build();
        Completion c = client.completions().create(CompletionCreateParams.builder()
                .model("model").prompt("Every effort moves you").maxTokens(20).temperature(0.0).build());
        // end-snippet
    }
}
