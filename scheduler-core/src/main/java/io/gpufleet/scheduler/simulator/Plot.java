package io.gpufleet.scheduler.simulator;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/** A line chart written as PNG with java.awt (headless): one line per series, like the paper's figure. */
public final class Plot {
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c),
            new Color(0xd62728), new Color(0x9467bd), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f)};

    private Plot() {}

    /**
     * @param series name → y values at x = 0, 1, 2, ... (NaN points are skipped)
     */
    public static void write(Path file, String title, String xLabel, String yLabel, Map<String, double[]> series,
                             double xMin, double xMax, double yMin, double yMax) throws IOException {
        System.setProperty("java.awt.headless", "true");
        int w = 1000, h = 650, left = 80, right = 190, top = 50, bottom = 70;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, w, h);
            int pw = w - left - right, ph = h - top - bottom;
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            for (int i = 0; i <= 10; i++) {
                double xv = xMin + (xMax - xMin) * i / 10, yv = yMin + (yMax - yMin) * i / 10;
                int x = left + pw * i / 10, y = top + ph - ph * i / 10;
                g.setColor(new Color(0xE6E6E6));
                g.drawLine(x, top, x, top + ph);
                g.drawLine(left, y, left + pw, y);
                g.setColor(Color.DARK_GRAY);
                g.drawString(String.format("%.0f", xv), x - 10, top + ph + 18);
                g.drawString(String.format("%.0f", yv), left - 35, y + 5);
            }
            g.setColor(Color.BLACK);
            g.drawRect(left, top, pw, ph);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
            g.drawString(title, left, top - 18);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
            g.drawString(xLabel, left + pw / 2 - 60, h - 25);
            g.rotate(-Math.PI / 2);
            g.drawString(yLabel, -(top + ph / 2 + 60), 25);
            g.rotate(Math.PI / 2);
            int k = 0;
            for (Map.Entry<String, double[]> e : series.entrySet()) {
                Color c = COLORS[k % COLORS.length];
                g.setColor(c);
                g.setStroke(new BasicStroke(2f));
                double[] ys = e.getValue();
                int px = -1, py = -1;
                for (int i = 0; i < ys.length; i++) {
                    if (Double.isNaN(ys[i]) || i < xMin || i > xMax) continue;
                    int x = left + (int) Math.round(pw * (i - xMin) / (xMax - xMin));
                    double yc = Math.max(yMin, Math.min(yMax, ys[i]));
                    int y = top + ph - (int) Math.round(ph * (yc - yMin) / (yMax - yMin));
                    if (px >= 0) g.drawLine(px, py, x, y);
                    px = x;
                    py = y;
                }
                int ly = top + 20 + 22 * k;
                g.drawLine(left + pw + 15, ly - 5, left + pw + 45, ly - 5);
                g.setColor(Color.BLACK);
                g.drawString(e.getKey(), left + pw + 52, ly);
                k++;
            }
        } finally {
            g.dispose();
        }
        if (!ImageIO.write(img, "png", file.toFile())) throw new IOException("no PNG writer available");
    }

    /** Convenience for a list of names in order. */
    static Map<String, double[]> ordered(List<String> names, Map<String, double[]> values) {
        Map<String, double[]> out = new java.util.LinkedHashMap<>();
        for (String n : names) if (values.containsKey(n)) out.put(n, values.get(n));
        return out;
    }
}
