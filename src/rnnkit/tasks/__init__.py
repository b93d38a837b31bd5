"""Task recipes: forecast, classify, generate (and more), each a function a user can call
and a subcommand of the `rnnkit` command line. Each writes a run folder:

    RUN/
        model/            the model artifact (config.json + model.safetensors + ...)
        metrics.json      held-out scores of the model and of the baseline
        curves.png        learning curves
        <task>.png        the task's own plot
        report.html       all of the above on one page
"""
