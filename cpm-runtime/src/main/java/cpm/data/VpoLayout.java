package cpm.data;

import cpm.data.DataProblem.Kind;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The VPO release as CAVP's loaders read it (docs/datasets.md): under the VPO root one folder per subset
 * ({@code VPO-SS}, {@code VPO-MS}, {@code VPO-MSMI}), each with {@code vpo_<subset>_data_stereo.csv} (the mono
 * loaders read it too), {@code data/} (JPEG images) and {@code mask/} (PNGs of COCO category ids); the sounds
 * come from VGGSound, {@code <audio root>/audios/<vgg_file>.wav}.
 * <ul>
 * <li>SS: one item per row, {@code data/<cateName>/<img_Id:012d>.jpg} and
 * {@code mask/<cateName>/<img_Id:012d>_<ann_Ids:012d>.png}.</li>
 * <li>MS, MSMI: one item per image, its rows the sounding objects, {@code data/<img_Id:012d>.jpg} and
 * {@code mask/<img_Id:012d>.png}; MSMI rows with {@code multi_instance} 0 are images of the {@code VPO-MS}
 * folder next to {@code VPO-MSMI}, as in CAVP.</li>
 * </ul>
 * The release has splits train and val, and CAVP tests on val: here val (and test) rows are the test split.
 * Rows are checked over the whole CSV whichever split is read, files for the split's items; every problem goes
 * through {@link Problems}, so a reader and data check say the same.
 */
final class VpoLayout {

    static final List<String> SUBSETS = List.of("ss", "ms", "msmi");

    /** One sounding object: its VGGSound file (null when the audio folder is unknown) and stereo position. */
    record Source(Path wav, double pos) {
    }

    /** One item: the image and mask as a one-frame clip, and its sounding objects. */
    record Item(ClipDataset.Clip clip, List<Source> sources) {
    }

    private VpoLayout() {
    }

    /** The subset's folder name, VPO-SS, VPO-MS or VPO-MSMI. */
    static String folder(String subset) {
        return "VPO-" + subset.toUpperCase(Locale.ROOT);
    }

    /** The subset's CSV, vpo_ss_data_stereo.csv etc. */
    static String csvName(String subset) {
        return "vpo_" + subset + "_data_stereo.csv";
    }

    /** The subset of a data.kind vpo-ss, vpo-ms or vpo-msmi. */
    static String subset(String kind) {
        String s = kind.startsWith("vpo-") ? kind.substring(4) : "";
        if (!SUBSETS.contains(s)) {
            throw new DataException("data.kind", "\"" + kind + "\"", "vpo-ss, vpo-ms or vpo-msmi");
        }
        return s;
    }

    /** The subset's folder: {@code root} when it holds the subset's CSV, else {@code root/VPO-<SUBSET>}. */
    static Path subsetRoot(Path root, String subset) {
        if (Files.isRegularFile(root.resolve(csvName(subset)))) {
            return root;
        }
        Path sub = root.resolve(folder(subset));
        if (Files.isRegularFile(sub.resolve(csvName(subset)))) {
            return sub;
        }
        throw new DataException(Kind.MISSING, root, "neither " + csvName(subset) + " nor " + folder(subset) + "/"
                + csvName(subset), "the VPO root (the folder holding VPO-SS, VPO-MS and VPO-MSMI) or the "
                + folder(subset) + " folder itself (docs/datasets.md)");
    }

    /**
     * VGGSound's {@code audios/} folder under {@code audioRoot}; null (reported once, instead of every file in it)
     * when the root is not given or has no such folder. {@code origin} names where the root came from.
     */
    static Path audios(String audioRoot, String origin, Problems problems) {
        String what = "the VGGSound folder holding audios/<vgg_file>.wav, where VPO's sounds come from";
        if (audioRoot == null || audioRoot.isEmpty()) {
            problems.report(new DataException(Kind.MISSING, origin, "no folder (an empty path)", what));
            return null;
        }
        Path a = Path.of(audioRoot).resolve("audios");
        if (!Files.isDirectory(a)) {
            problems.report(new DataException(Kind.MISSING, a, Files.isDirectory(Path.of(audioRoot))
                    ? "no such folder" : "no such folder (nor " + audioRoot + ")", what + " (" + origin + ")"));
            return null;
        }
        return a;
    }

    /** An item being gathered from its rows (MS: one row per sounding object). */
    private static final class Group {
        final Metadata.Row first;
        final String uid, split, multi, what;
        final Path image, mask;
        final List<Source> sources = new ArrayList<>();

        Group(Metadata.Row first, String uid, String split, String multi, String what, Path image, Path mask) {
            this.first = first;
            this.uid = uid;
            this.split = split;
            this.multi = multi;
            this.what = what;
            this.image = image;
            this.mask = mask;
        }
    }

    /**
     * The items of a split ("train" or "test"; all when null) of a subset under {@code root}. {@code audios} is
     * VGGSound's audios/ folder (null: sounds unchecked); {@code stereo} requires the audio_pos column.
     */
    static List<Item> scan(Path root, String subset, String split, Path audios, boolean stereo, Problems problems) {
        Path base;
        try {
            base = subsetRoot(root, subset);
        } catch (DataException e) {
            problems.report(e);
            return List.of();
        }
        boolean ss = subset.equals("ss"), msmi = subset.equals("msmi");
        Path csv = base.resolve(csvName(subset));
        List<String> required = new ArrayList<>(List.of("cateName", "cateId", "img_Id", "ann_Ids", "vgg_file",
                "split"));
        if (stereo) {
            required.add("audio_pos");
        }
        if (msmi) {
            required.add("multi_instance");
        }
        int before = problems.reported();
        List<Metadata.Row> rows = Metadata.readCsv(csv, required, problems);
        boolean readable = problems.reported() == before;
        ClipRows rules = new ClipRows(csv, problems);
        Path msBase = base.resolveSibling(folder("ms"));
        String csvName = csv.getFileName().toString();
        Map<String, Group> groups = new LinkedHashMap<>();
        for (Metadata.Row row : rows) {
            int line = row.line();
            boolean ok = rules.split(row) & rules.present(row, "cateName", "the object's class name")
                    & rules.present(row, "ann_Ids", "the object's COCO annotation id")
                    & rules.present(row, "vgg_file", "the VGGSound file of the object's sound")
                    & category(row, csv, problems);
            String img = cocoId(row, "img_Id", csv, problems);
            String ann = ss ? cocoId(row, "ann_Ids", csv, problems) : row.get("ann_Ids");
            Double pos = stereo || row.has("audio_pos") ? position(row, csv, problems) : Double.valueOf(0.5);
            String multi = msmi ? multiInstance(row, csv, problems) : "0";
            if (!ok || img == null || ann == null || pos == null || multi == null
                    || !rules.once(row, base.resolve(img + "_" + ann), img + "_" + ann)) {
                continue;
            }
            String sp = row.get("split").equals("train") ? "train" : "test";
            String uid = ss ? img + "_" + ann : img;
            try {
                Path wav = audios == null ? null : Metadata.inside(audios, csv, line, row.get("vgg_file") + ".wav");
                Group g = groups.get(uid);
                if (g == null) {
                    Path b = msmi && multi.equals("0") ? msBase : base;
                    String what = (ss ? "object " + ann + " of image " + img : "image " + img) + " (" + csvName
                            + " line " + line + ")";
                    Path image = ss ? Metadata.inside(b, csv, line, "data", row.get("cateName"), img + ".jpg")
                            : Metadata.inside(b, csv, line, "data", img + ".jpg");
                    Path mask = ss ? Metadata.inside(b, csv, line, "mask", row.get("cateName"), uid + ".png")
                            : Metadata.inside(b, csv, line, "mask", img + ".png");
                    g = new Group(row, uid, sp, multi, what, image, mask);
                    groups.put(uid, g);
                } else if (!agrees(g, row, sp, multi, csv, problems)) {
                    continue;
                }
                g.sources.add(new Source(wav, pos));
            } catch (DataException e) {
                problems.report(e);
            }
        }
        List<Item> items = new ArrayList<>();
        for (Group g : groups.values()) {
            if (split == null || g.split.equals(split)) {
                files(g, problems, items);
            }
        }
        if (readable) {
            ClipRows.requireItems(csv, split, items.stream().map(Item::clip).toList(), problems);
        }
        return items;
    }

    /** The files an item's training reads exist: image, mask, each object's sound. */
    private static void files(Group g, Problems problems, List<Item> items) {
        boolean ok = problems.requireFile(g.image, "the image of " + g.what)
                & problems.requireFile(g.mask, "the mask of " + g.what);
        for (Source s : g.sources) {
            if (s.wav() != null) {
                ok &= problems.requireFile(s.wav(), "a VGGSound sound of " + g.what);
            }
        }
        if (ok || problems.collects()) {
            Path wav = g.sources.get(0).wav();
            items.add(new Item(new ClipDataset.Clip(g.uid, g.split, List.of(g.image), List.of(g.mask), wav),
                    List.copyOf(g.sources)));
        }
    }

    /** A further row of an MS/MSMI image is in the first row's split and (MSMI) folder. */
    private static boolean agrees(Group g, Metadata.Row row, String sp, String multi, Path csv, Problems problems) {
        if (!sp.equals(g.split)) {
            return problems.fail(new DataException(Kind.METADATA, csv, "line " + row.line() + ": image " + g.uid
                    + " in split " + row.get("split") + ", its line " + g.first.line() + " in split "
                    + g.first.get("split"), "all rows of one image in one split"));
        }
        if (!multi.equals(g.multi)) {
            return problems.fail(new DataException(Kind.METADATA, csv, "line " + row.line() + ": image " + g.uid
                    + " with multi_instance " + row.get("multi_instance") + ", its line " + g.first.line()
                    + " with " + g.first.get("multi_instance"), "one multi_instance value for all rows of an image"));
        }
        return true;
    }

    /** A COCO image or annotation id, zero-padded to the 12 digits of the file names; null (reported) if not one. */
    private static String cocoId(Metadata.Row row, String column, Path csv, Problems problems) {
        String v = row.get(column);
        if (v.matches("[0-9]{1,12}")) {
            return "0".repeat(12 - v.length()) + v;
        }
        problems.report(new DataException(Kind.METADATA, csv, "line " + row.line() + ": " + column + " \"" + v + "\"",
                "a COCO id (a whole number of at most 12 digits)"));
        return null;
    }

    /** cateId is the COCO id of a VPO class and cateName that class's name. */
    private static boolean category(Metadata.Row row, Path csv, Problems problems) {
        String id = row.get("cateId"), name = row.get("cateName");
        int k = id.matches("[0-9]{1,3}") ? VpoClasses.classOf(Integer.parseInt(id)) : -1;
        if (k < 0) {
            return problems.fail(new DataException(Kind.CLASS_INDEX, csv, "line " + row.line() + ": cateId \"" + id
                    + "\"", "the COCO id of a VPO class (" + VpoClasses.table() + ")"));
        }
        if (!VpoClasses.NAMES.get(k).equals(name)) {
            return problems.fail(new DataException(Kind.METADATA, csv, "line " + row.line() + ": cateName \"" + name
                    + "\" with cateId " + id, "\"" + VpoClasses.NAMES.get(k) + "\", the class of COCO id " + id));
        }
        return true;
    }

    /** audio_pos, the object's stereo position from 0 (left) to 1 (right); null (reported) if not one. */
    private static Double position(Metadata.Row row, Path csv, Problems problems) {
        String v = row.get("audio_pos");
        try {
            double p = Double.parseDouble(v);
            if (p >= 0 && p <= 1) {
                return p;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problems.report(new DataException(Kind.METADATA, csv, "line " + row.line() + ": audio_pos \"" + v + "\"",
                "a stereo position from 0 (left) to 1 (right)"));
        return null;
    }

    /** multi_instance as "0" or "1" (True/False as pandas writes them too); null (reported) otherwise. */
    private static String multiInstance(Metadata.Row row, Path csv, Problems problems) {
        String v = row.get("multi_instance").toLowerCase(Locale.ROOT);
        if (v.equals("0") || v.equals("false")) {
            return "0";
        }
        if (v.equals("1") || v.equals("true")) {
            return "1";
        }
        problems.report(new DataException(Kind.METADATA, csv, "line " + row.line() + ": multi_instance \""
                + row.get("multi_instance") + "\"", "0 (an image of VPO-MS) or 1"));
        return null;
    }
}
