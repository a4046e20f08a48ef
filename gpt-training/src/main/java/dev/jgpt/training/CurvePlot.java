package dev.jgpt.training;

import dev.jgpt.model.files.AtomicFiles;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** Line curves (loss, accuracy) against epochs, written as a PNG; the book's figures 6.16-6.17. */
public final class CurvePlot {

    private static final Color[] COLORS = {
        new Color(31, 119, 180), new Color(255, 127, 14), new Color(44, 160, 44), new Color(214, 39, 40)
    };

    private final String title;
    private final String yLabel;
    private final Map<String, XYSeries> series = new LinkedHashMap<>();

    /** A plot with {@code title} and y axis {@code yLabel}; x is epochs. */
    public CurvePlot(String title, String yLabel) {
        this.title = title;
        this.yLabel = yLabel;
    }

    /** Adds point {@code (epoch, value)} to curve {@code name}; non-finite values are skipped. */
    public CurvePlot add(String name, double epoch, double value) {
        if (Double.isFinite(value)) {
            series.computeIfAbsent(name, XYSeries::new).add(epoch, value);
        }
        return this;
    }

    /** Writes the PNG (atomically). */
    public void write(Path file) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        series.values().forEach(data::addSeries);
        NumberAxis y = new NumberAxis(yLabel);
        y.setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < series.size(); i++) {
            renderer.setSeriesPaint(i, COLORS[i % COLORS.length]);
            renderer.setSeriesStroke(i, i % 2 == 0 ? new BasicStroke(2f)
                    : new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                            new float[] {6f, 4f}, 0f));
        }
        XYPlot plot = new XYPlot(data, new NumberAxis("Epochs"), y, renderer);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        AtomicFiles.write(file, tmp -> ChartUtils.saveChartAsPNG(tmp.toFile(), chart, 800, 480));
    }
}
