"""Task recipes: forecast, classify, generate (and more), each a function a user can call
and a subcommand of the `rnnkit` command line. Each writes a run folder:

    RUN/
        model/            the model artifact (config.json + model.safetensors + ...)
        metrics.json      held-out scores of the model and of the baseline (strict JSON:
                          a NaN or infinite score is written as null)
        history.csv       the training curves, one row per epoch (CSVLogger's layout)
        curves.png        learning curves
        <task>.png        the task's own plot
        report.html       all of the above on one page

A run folder is written whole or not at all and follows the umask, so teammates can read
it (tasks/runs.py does both).
"""
