/**
 * Diagnostics of Sec. 4.5 and Fig. 3b: {@link cpm.diag.MatchingStability} (the matching stability score STS),
 * {@link cpm.diag.StsWindow} (when a training window of STS closes, the same rule for every way to train) and
 * {@link cpm.diag.CoverageScore} (class coverage after the audio decoder layers).
 */
package cpm.diag;
