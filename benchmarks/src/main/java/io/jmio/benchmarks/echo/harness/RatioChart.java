package io.jmio.benchmarks.echo.harness;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

/** The README's chart: round trips/s as a ratio to C, grouped by scenario, one bar per server. */
final class RatioChart {
    private RatioChart() {}

    /**
     * Writes the PNG. A server with no ratio in a scenario gets no bar there (drawn as 0 would read
     * as "measured and dead slow"); a server with no ratio anywhere gets no series.
     */
    static void write(Path png, String title, List<ServerSpec> servers, List<Scenario> scenarios, Results results)
            throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(1000).height(520).title(title)
                .xAxisTitle("connections × message size").yAxisTitle("round trips/s, ratio to C").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisDecimalPattern("0.00");
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setDecimalPattern("0.00");
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        List<String> labels = scenarios.stream().map(Scenario::label).toList();
        for (ServerSpec server : servers) {
            List<Double> values = new ArrayList<>();
            boolean any = false;
            for (Scenario scenario : scenarios) {
                double r = results.cell(server.id(), Servers.REFERENCE, scenario).rttRatio();
                boolean measured = !Double.isNaN(r);
                values.add(measured ? r : null);
                any |= measured;
            }
            if (any) chart.addSeries(server.label(), labels, values);
        }
        Path parent = png.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
        try (OutputStream out = Files.newOutputStream(png)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }
}
