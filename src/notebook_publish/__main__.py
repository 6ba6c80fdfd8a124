from notebook_publish.cli import main

raise SystemExit(main())
