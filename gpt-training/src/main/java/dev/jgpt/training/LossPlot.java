package dev.jgpt.training;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import dev.jgpt.model.files.AtomicFiles;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The book's figure 5.12: training and validation loss against epochs, with tokens seen on a
 * second axis along the top.
 */
public final class LossPlot {

    private LossPlot() {}

    /** Writes the curves of {@code evaluations} as a PNG to {@code file}, titled "Pretraining loss". */
    public static void write(List<Evaluation> evaluations, Path file) throws IOException {
        write(evaluations, file, "Pretraining loss");
    }

    /** Writes the curves of {@code evaluations} as a PNG to {@code file} under {@code title}. */
    public static void write(List<Evaluation> evaluations, Path file, String title) throws IOException {
        XYSeries train = new XYSeries("Training loss");
        XYSeries val = new XYSeries("Validation loss");
        for (Evaluation e : evaluations) {
            train.add(e.epoch(), e.trainLoss());
            val.add(e.epoch(), e.validationLoss());
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(train);
        data.addSeries(val);
        NumberAxis epochs = new NumberAxis("Epochs");
        NumberAxis loss = new NumberAxis("Loss");
        loss.setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        renderer.setSeriesPaint(0, new Color(31, 119, 180));
        renderer.setSeriesPaint(1, new Color(255, 127, 14));
        renderer.setSeriesStroke(0, new BasicStroke(2f));
        renderer.setSeriesStroke(1, new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
                10f, new float[] {6f, 4f}, 0f));
        XYPlot plot = new XYPlot(data, epochs, loss, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        if (!evaluations.isEmpty()) {
            Evaluation last = evaluations.get(evaluations.size() - 1);
            NumberAxis tokens = new NumberAxis("Tokens seen");
            double perEpoch = last.epoch() > 0 ? last.tokensSeen() / last.epoch() : 1;
            epochs.setAutoRange(true);
            plot.setDomainAxis(1, tokens);
            plot.setDomainAxisLocation(1, org.jfree.chart.axis.AxisLocation.TOP_OR_LEFT);
            tokens.setRange(epochs.getLowerBound() * perEpoch, Math.max(1, epochs.getUpperBound() * perEpoch));
        }
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        AtomicFiles.write(file, tmp -> ChartUtils.saveChartAsPNG(tmp.toFile(), chart, 800, 480));
    }
}
