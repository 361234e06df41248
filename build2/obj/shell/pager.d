build2/obj/shell/pager.o: shell/pager.c shell/pager.h shell/render.h \
 common/util.h common/run.h common/util.h
shell/pager.h:
shell/render.h:
common/util.h:
common/run.h:
common/util.h:
